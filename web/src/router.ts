// A tiny history router: pages are plain paths the server answers with index.html.
import { useEffect, useState } from 'preact/hooks'

const listeners = new Set<() => void>()

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return
  history.pushState(null, '', path)
  for (const listener of listeners) listener()
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener()
})

export function usePath(): string {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const listener = (): void => setPath(location.pathname)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }, [])
  return path
}

/** Same-origin links navigate without reloading; modified clicks behave as usual. */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  const anchor = (event.target as Element | null)?.closest('a')
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return
  const url = new URL(anchor.href, location.href)
  if (url.origin !== location.origin || !anchor.hasAttribute('data-route')) return
  event.preventDefault()
  navigate(url.pathname + url.search)
}
