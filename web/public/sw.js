// Kokreasi's service worker: lets a page that was open once reload while offline, so edits
// kept in IndexedDB can be seen, continued and sent when the network comes back.
//
// Pages and API reads go to the network first and fall back to the last copy; the hashed
// bundle files never change, so they are served from the cache first. Nothing else is cached,
// and signing out empties the cache (see src/offline.ts).
const CACHE = 'kokreasi-v1'
const CACHED_API = [/^\/api\/me$/, /^\/api\/plans$/, /^\/api\/commitments\/[^/]+$/, /^\/api\/commitments\/[^/]+\/validation$/]

self.addEventListener('install', () => self.skipWaiting())

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  )
})

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(key, response.clone())
    return response
  } catch (error) {
    const cached = await cache.match(key)
    if (cached) return cached
    throw error
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && !url.pathname.startsWith('/invite/') && !url.pathname.startsWith('/api/')) {
    // Every app page is the same index.html; keep one copy of it.
    event.respondWith(networkFirst(request, '/'))
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request))
  } else if (CACHED_API.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request, url.pathname))
  }
})
