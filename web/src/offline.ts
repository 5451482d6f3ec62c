// The service worker (public/sw.js) that lets an open page reload offline. The bundle files
// loaded before it took control are put in its cache here, so the next load needs no network.
const CACHE = 'kokreasi-v1'

export function enableOffline(): void {
  if (!('serviceWorker' in navigator) || !('caches' in window)) return
  navigator.serviceWorker.register('/sw.js').then(
    () => rememberAssets(),
    () => undefined, // no offline reloads then; everything else works
  )
}

/** Cache the page and every bundle file loaded so far (call again after loading a page). */
export async function rememberAssets(): Promise<void> {
  if (!('serviceWorker' in navigator) || !('caches' in window)) return
  await navigator.serviceWorker.ready
  const loaded = performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === location.origin && url.pathname.startsWith('/assets/'))
    .map((url) => url.pathname)
  const cache = await caches.open(CACHE)
  await cache.addAll(['/', ...new Set(loaded)]).catch(() => undefined)
}

/** Forget cached pages and answers, e.g. when the person signs out on a shared computer. */
export async function forgetOffline(): Promise<void> {
  if ('caches' in window) await caches.delete(CACHE)
}
