// One commitment document in the browser: the Yjs doc, its live connection to the server, its
// copy in IndexedDB, and an honest account of where the person's edits are.
//
// "Saved" means the server acknowledged our edits as durable in the log (an auth message of
// sub-type 100 with a state vector, see docs/contracts.md), not merely that they left the
// browser. Edits made while offline stay in IndexedDB, survive a reload, and go out in the
// next sync.
// The server's word on access: a permission-denied message (type 2) makes the page read-only
// at once, its sync step 1 (sent only to writers) makes it writable. A refused edit (close 4422,
// or 4409 for a client id of someone else's) can never be taken, and every later edit builds on
// it: the page is told (``onRefused``) and loads the document afresh (editor/useConnection.ts).
// Transient closes (1013, 1011, 4508, 1001) are retried by y-websocket itself.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as decoding from 'lib0/decoding'

export const MESSAGE_SYNC = 0
export const MESSAGE_AUTH = 2
// Auth sub-types: y-protocols' permission denied, and Kokreasi's saved acknowledgement (which
// stock providers skip in silence, so it rides here rather than in a message type of its own).
export const AUTH_DENIED = 0
export const AUTH_SAVED = 100
export const CLOSE_UNAUTHORIZED = 4401
export const CLOSE_REFUSED = 4422
export const CLOSE_CLIENT_ID_TAKEN = 4409
// Presence is renewed this often, so that others can tell a live person from a dropped one
// (y-protocols renews only every 15 s); see editor/Presence.tsx.
export const PRESENCE_RENEW_MS = 4000
const SERVER_KNOWN = 'server-known' // the IndexedDB key of what the server holds

export type Link = 'connecting' | 'connected' | 'offline'

export interface DocumentStatus {
  link: Link
  /** Local edits not yet acknowledged as durable by the server. */
  pending: boolean
  /** At least one round trip with the server completed on this page. */
  synced: boolean
  /** Local copy loaded from IndexedDB. */
  localLoaded: boolean
  /** Why the server refuses our edits, or null when we may write. */
  deniedReason: string | null
  /** The server asked for our changes (its sync step 1), which it does only of writers. */
  writeGranted: boolean
}

/** The ``user`` field of a presence state. The server replaces it with the identity it
 * authenticated, so what others see cannot be forged; ours only fills the gap until then. */
export interface PresenceUser {
  id?: string
  name: string
  organisation: string
  org_id?: string
  stakeholder: string
  color: string
}

export function presenceLabel(user: Partial<PresenceUser>): string {
  return user.organisation ? `${user.name ?? ''} · ${user.organisation}` : String(user.name ?? '')
}

type Listener = (status: DocumentStatus) => void
/** The server closed the connection for good: ``code`` and its reason. */
export type Closed = (code: number, reason: string) => void

function decodeVector(bytes: Uint8Array): Map<number, number> {
  return Y.decodeStateVector(bytes)
}

/** The end clock of each client's structs in an update. (Y.encodeStateVectorFromUpdate only
 * counts clients whose structs start at clock 0, so it misses incremental updates.) */
function clocksOf(update: Uint8Array): Map<number, number> {
  const clocks = new Map<number, number>()
  for (const struct of Y.decodeUpdate(update).structs) {
    const end = struct.id.clock + struct.length
    if (end > (clocks.get(struct.id.client) ?? 0)) clocks.set(struct.id.client, end)
  }
  return clocks
}

export class DocumentConnection {
  readonly doc = new Y.Doc()
  readonly provider: WebsocketProvider
  readonly local: IndexeddbPersistence
  status: DocumentStatus = {
    link: navigator.onLine ? 'connecting' : 'offline',
    pending: false,
    synced: false,
    localLoaded: false,
    deniedReason: null,
    writeGranted: false,
  }
  // The clock up to which the server holds each client's updates: from its sync step 1, from
  // updates it sent us, and from its saved acknowledgements.
  private readonly serverKnown = new Map<number, number>()
  // Deletions do not advance a Yjs clock, so they are tracked apart until the next ack.
  private unackedDeletes = false
  private readonly listeners = new Set<Listener>()
  private readonly closedListeners = new Set<Closed>()
  private renewal = 0
  private lastDenied: string | null = null

  constructor(
    readonly documentId: string,
    readonly personId: string,
  ) {
    // One local copy per person: edits someone left unsent on a shared computer must go out
    // under their name when they come back, never under the next person's (the server refuses
    // a Yjs client id that belongs to someone else).
    this.local = new IndexeddbPersistence(`kokreasi:${personId}:${documentId}`, this.doc)
    this.local.whenSynced.then(async () => {
      const known: unknown = await this.local.get(SERVER_KNOWN).catch(() => undefined)
      if (typeof known === 'string') this.learn(new Map(JSON.parse(known) as [number, number][]), false)
      this.recompute()
      this.update({ localLoaded: true })
    })
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    // The session cookie authenticates the socket, so no token appears in the URL; the person
    // the page was opened as goes along, and the server refuses the socket (4401) when another
    // tab has signed someone else in since.
    this.provider = new WebsocketProvider(`${scheme}://${location.host}/ws`, documentId, this.doc, {
      params: { saved: '1', person: personId },
      disableBc: true,
      maxBackoffTime: 5000,
    })
    this.installHandlers()
    this.provider.on('status', ({ status }) => {
      const link: Link = status === 'connected' ? 'connected' : status === 'connecting' ? 'connecting' : 'offline'
      this.update({ link: link === 'connecting' && this.status.link === 'offline' ? 'offline' : link })
    })
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.update({ synced: true })
    })
    // A failed first attempt means offline too, not "connecting" for ever.
    this.provider.on('connection-error', () => {
      if (this.status.link !== 'connected') this.update({ link: 'offline' })
    })
    this.provider.on('connection-close', () => {
      if (this.status.link !== 'connected') this.update({ link: 'offline' })
    })
    // y-websocket stops after a 44xx close; every other one it retries.
    this.provider.on('closed', ({ code, reason }) => {
      if (code !== CLOSE_REFUSED && code !== CLOSE_CLIENT_ID_TAKEN && reason) {
        this.update({ deniedReason: reason, writeGranted: false })
      }
      for (const listener of this.closedListeners) listener(code, code === CLOSE_REFUSED ? this.lastDenied ?? reason : reason)
    })
    this.renewal = window.setInterval(() => {
      const state = this.provider.awareness.getLocalState()
      if (state !== null && this.provider.wsconnected) this.provider.awareness.setLocalState(state)
    }, PRESENCE_RENEW_MS)
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this.provider) {
        this.learn(clocksOf(update))
      } else if (origin !== this.local) {
        const decoded = Y.decodeUpdate(update)
        if (decoded.structs.length === 0 && decoded.ds.clients.size > 0) this.unackedDeletes = true
      }
      this.recompute()
    })
    addEventListener('online', this.onOnline)
    addEventListener('offline', this.onOffline)
  }

  private droppedOffline = false

  private readonly onOnline = (): void => {
    // Retry now rather than at the end of the back-off; a refused connection stays closed.
    if (!this.droppedOffline && !this.provider.shouldConnect) return
    this.droppedOffline = false
    this.provider.connect()
  }

  private readonly onOffline = (): void => {
    // A socket can take half a minute to notice the network is gone; close it and say so now,
    // rather than show "connected" while edits pile up unsent.
    if (!this.provider.shouldConnect) return
    this.droppedOffline = true
    this.provider.disconnect()
    this.update({ link: 'offline' })
  }

  private installHandlers(): void {
    const handlers = this.provider.messageHandlers
    const sync = handlers[MESSAGE_SYNC]
    handlers[MESSAGE_SYNC] = (encoder, decoder, provider, emitSynced, messageType) => {
      // Peek at the server's sync step 1: its state vector says what it already holds, which
      // settles edits sent on an earlier connection (that one's acks are gone with it).
      const peek = decoding.createDecoder(decoder.arr.subarray(decoder.pos))
      if (decoding.readVarUint(peek) === 0) {
        this.learn(decodeVector(decoding.readVarUint8Array(peek)))
        this.recompute()
        // Also how the server says a stage advance just gave us the right to write.
        if (!this.status.writeGranted || this.status.deniedReason) this.update({ writeGranted: true, deniedReason: null })
      }
      sync(encoder, decoder, provider, emitSynced, messageType)
    }
    handlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      const kind = decoding.readVarUint(decoder)
      if (kind === AUTH_DENIED) {
        this.lastDenied = decoding.readVarString(decoder)
        this.update({ deniedReason: this.lastDenied, writeGranted: false })
      } else if (kind === AUTH_SAVED) {
        this.learn(decodeVector(decoding.readVarUint8Array(decoder)))
        this.unackedDeletes = false
        this.recompute()
      }
    }
  }

  private learn(vector: Map<number, number>, keep = true): void {
    let changed = false
    for (const [client, clock] of vector) {
      if (clock > (this.serverKnown.get(client) ?? 0)) {
        this.serverKnown.set(client, clock)
        changed = true
      }
    }
    if (changed && keep) this.keepServerKnown()
  }

  private keeping = 0

  /** Remember what the server holds beside the local copy (at most once a second). */
  private keepServerKnown(): void {
    if (this.keeping) return
    this.keeping = window.setTimeout(() => {
      this.keeping = 0
      void this.local.set(SERVER_KNOWN, JSON.stringify([...this.serverKnown])).catch(() => undefined)
    }, 1000)
  }

  /** What the server is known to hold: the clock of each client id. */
  get serverState(): Map<number, number> {
    return new Map(this.serverKnown)
  }

  private recompute(): void {
    let pending = this.unackedDeletes
    if (!pending) {
      for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) {
        if (clock > (this.serverKnown.get(client) ?? 0)) {
          pending = true
          break
        }
      }
    }
    if (pending !== this.status.pending) this.update({ pending })
  }

  private update(change: Partial<DocumentStatus>): void {
    this.status = { ...this.status, ...change }
    for (const listener of this.listeners) listener(this.status)
  }

  /** Called when the server closed the connection for good (a 44xx close code). */
  onClosed(listener: Closed): () => void {
    this.closedListeners.add(listener)
    return () => this.closedListeners.delete(listener)
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    listener(this.status)
    return () => this.listeners.delete(listener)
  }

  setUser(user: PresenceUser): void {
    this.provider.awareness.setLocalStateField('user', user)
  }

  /** Tell the others which part of the template this person is in. */
  setSection(section: string | null): void {
    this.provider.awareness.setLocalStateField('section', section)
  }

  destroy(): void {
    this.close()
    void this.local.destroy()
    this.doc.destroy()
  }

  /** Stop talking to the server and forget the local copy (IndexedDB), keeping ``doc`` for
   * what only it holds; the returned promise settles once the copy is gone. */
  async discard(): Promise<void> {
    this.close()
    await this.local.clearData()
  }

  private close(): void {
    removeEventListener('online', this.onOnline)
    removeEventListener('offline', this.onOffline)
    clearInterval(this.renewal)
    clearTimeout(this.keeping)
    this.listeners.clear()
    this.closedListeners.clear()
    this.provider.destroy()
  }
}
