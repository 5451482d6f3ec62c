// Who is in which commitment, for the dashboard: one listen-only socket per document that
// reads presence (awareness) messages and never sends any, so the watcher is not itself
// shown as present and no document text is transferred.
import * as decoding from 'lib0/decoding'
import type { PresenceUser } from './connection'

const MESSAGE_AWARENESS = 1

export type Present = Map<number, PresenceUser>

export function watchPresence(documentId: string, onChange: (present: Present) => void): () => void {
  const present: Present = new Map()
  let socket: WebSocket | null = null
  let stopped = false
  let retry = 0
  const open = (): void => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    socket = new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(documentId)}`)
    socket.binaryType = 'arraybuffer'
    socket.onmessage = (event: MessageEvent<ArrayBuffer>) => {
      try {
        const decoder = decoding.createDecoder(new Uint8Array(event.data))
        if (decoding.readVarUint(decoder) !== MESSAGE_AWARENESS) return
        const update = decoding.createDecoder(decoding.readVarUint8Array(decoder))
        const count = decoding.readVarUint(update)
        for (let i = 0; i < count; i++) {
          const client = decoding.readVarUint(update)
          decoding.readVarUint(update) // clock
          const state = JSON.parse(decoding.readVarString(update)) as { user?: PresenceUser } | null
          if (state && state.user) present.set(client, state.user)
          else present.delete(client)
        }
      } catch {
        return // a message we cannot read changes nothing on a dashboard
      }
      onChange(new Map(present))
    }
    socket.onclose = () => {
      present.clear()
      onChange(new Map(present))
      if (!stopped) retry = window.setTimeout(open, 5000)
    }
  }
  open()
  return () => {
    stopped = true
    clearTimeout(retry)
    socket?.close()
  }
}
