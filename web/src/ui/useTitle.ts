import { useEffect } from 'preact/hooks'

/** Name the browser tab after the page, so people using screen readers know where they are. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Kokreasi` : 'Kokreasi'
  }, [title])
}
