// Bahasa Indonesia first (the plan's working language), English on request; the choice is kept
// per browser so a person who switched once is not switched back on every page.
import { useEffect, useState } from 'preact/hooks'
import { dictionary, type Key } from './messages'

export type Lang = 'id' | 'en'
const STORAGE_KEY = 'kokreasi.lang'
const listeners = new Set<(lang: Lang) => void>()

function initial(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'id'
  } catch {
    return 'id'
  }
}

let current: Lang = initial()
document.documentElement.lang = current

export function lang(): Lang {
  return current
}

export function setLang(next: Lang): void {
  current = next
  document.documentElement.lang = next
  try {
    localStorage.setItem(STORAGE_KEY, next)
  } catch {
    // private mode: the switch still holds for this page
  }
  for (const listener of listeners) listener(next)
}

/** Translate ``key``; ``{name}`` placeholders are filled from ``params``. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const entry = dictionary[key]
  const text = entry[current] ?? entry.id
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`))
}

/** Re-render a component when the language changes. */
export function useLang(): Lang {
  const [value, setValue] = useState(current)
  useEffect(() => {
    listeners.add(setValue)
    return () => {
      listeners.delete(setValue)
    }
  }, [])
  return value
}

export function onLangChange(listener: (lang: Lang) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleDateString(current === 'id' ? 'id-ID' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  })
}

/** The server words its refusals "Indonesian / English"; show the half in the reader's language. */
export function serverText(text: string): string {
  const halves = text.split(' / ')
  if (halves.length !== 2) return text
  return current === 'en' ? halves[1] : halves[0]
}
