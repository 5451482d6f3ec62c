// The signed-in person, shared by every page.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Me } from './api'

export const SessionContext = createContext<Me | null>(null)

export function useMe(): Me | null {
  return useContext(SessionContext)
}
