// Load JSON for a page and keep it fresh: one hook for loading, errors and reloads.
import { useCallback, useEffect, useState } from 'preact/hooks'

export type Loaded<T> =
  | { status: 'loading' }
  | { status: 'ready'; data: T }
  | { status: 'error'; message: string; code: number }

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], refreshMs = 0): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' })
  const [tick, setTick] = useState(0)
  const reload = useCallback(() => setTick((n) => n + 1), [])
  useEffect(() => {
    let live = true
    load().then(
      (data) => live && setState({ status: 'ready', data }),
      (error: unknown) => {
        if (!live) return
        const code = typeof error === 'object' && error && 'status' in error ? Number((error as { status: number }).status) : 0
        setState((previous) => (previous.status === 'ready' && refreshMs ? previous : { status: 'error', message: error instanceof Error ? error.message : String(error), code }))
      },
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  useEffect(() => {
    if (!refreshMs) return
    const timer = setInterval(reload, refreshMs)
    return () => clearInterval(timer)
  }, [refreshMs, reload])
  return [state, reload]
}
