// Who is signed in, told truthfully in every tab.
//
// The session cookie belongs to the browser, not to a tab: signing in with another person's
// link in one tab changes who every other tab's requests speak for. So each tab says who it
// was opened as on a BroadcastChannel, and checks again (GET /api/me) when another tab speaks,
// when it becomes visible, and when the server refuses its socket (4401); a tab that finds
// someone else signed in reloads as them, and says so once it has.
import { fetchMe, type Me } from './api'

const CHANNEL = 'kokreasi-session'
const SWITCHED = 'kokreasi.switched'

let opened: Me | null = null
let channel: BroadcastChannel | null = null

export interface Switch {
  from: string | null
  to: string | null
}

/** Start watching, as ``me``; tells the other tabs who signed in here. */
export function watchSession(me: Me | null): () => void {
  opened = me
  try {
    channel = new BroadcastChannel(CHANNEL)
    channel.onmessage = (event: MessageEvent<{ person: string | null }>) => {
      if ((event.data?.person ?? null) !== (opened?.person_id ?? null)) void checkSession()
    }
    channel.postMessage({ person: me?.person_id ?? null })
  } catch {
    channel = null // no BroadcastChannel: the visibility check below still holds
  }
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') void checkSession()
  }
  document.addEventListener('visibilitychange', onVisible)
  addEventListener('focus', onVisible)
  return () => {
    channel?.close()
    channel = null
    document.removeEventListener('visibilitychange', onVisible)
    removeEventListener('focus', onVisible)
  }
}

let checking: Promise<void> | null = null

/** Ask the server who this browser is signed in as; reload if it is not who this tab shows. */
export function checkSession(): Promise<void> {
  checking ??= (async () => {
    try {
      const now = await fetchMe()
      if ((now?.person_id ?? null) === (opened?.person_id ?? null)) return
      try {
        sessionStorage.setItem(SWITCHED, JSON.stringify({ from: opened?.name ?? null, to: now?.name ?? null }))
      } catch {
        // private mode: the page reloads without the note
      }
      location.reload()
    } catch {
      // offline: nothing to check against; the next visibility change asks again
    } finally {
      checking = null
    }
  })()
  return checking
}

/** The switch that made this tab reload, told once. */
export function takeSwitch(): Switch | null {
  try {
    const raw = sessionStorage.getItem(SWITCHED)
    if (!raw) return null
    sessionStorage.removeItem(SWITCHED)
    return JSON.parse(raw) as Switch
  } catch {
    return null
  }
}
