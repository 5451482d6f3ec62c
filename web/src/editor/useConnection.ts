// The live document of the editor page, and its recovery when the server refused an edit.
//
// A refused edit (close 4422 or 4409) stays in the browser's copy and every later edit builds
// on it, so the server would refuse those too, and the copy in IndexedDB would bring it back
// after a reload. The page therefore forgets that copy, loads the document afresh from the
// server, and keeps what only the old copy held aside for the person (collab/refused.ts),
// recomputed as the fresh copy fills in: an edit that was logged after all, but whose
// acknowledgement the closed connection never got, arrives from the server and drops off the
// list. The same happens when a connection that may not write finds unsaved edits of an
// earlier visit in IndexedDB: they can never be sent.
import { useEffect, useMemo, useState } from 'preact/hooks'
import * as Y from 'yjs'
import { CLOSE_CLIENT_ID_TAKEN, CLOSE_REFUSED, CLOSE_UNAUTHORIZED, DocumentConnection } from '../collab/connection'
import { type KeptAside, loadKept, saveKept, textMissing } from '../collab/refused'
import { checkSession } from '../sessionWatch'

export interface LiveDocument {
  conn: DocumentConnection
  /** Counts the fresh copies loaded: the page's editors are keyed by it. */
  generation: number
  kept: KeptAside[]
  dismiss: (index: number) => void
}

export function useConnection(documentId: string, personId: string, notSentReason: string): LiveDocument {
  const [generation, setGeneration] = useState(0)
  const conn = useMemo(() => new DocumentConnection(documentId, personId), [documentId, personId, generation])
  const [kept, setKept] = useState<KeptAside[]>(() => loadKept(personId, documentId))
  // The old copy of the last recovery, compared with the fresh one as it fills in.
  const [pending, setPending] = useState<{ old: Y.Doc; entry: KeptAside } | null>(null)

  useEffect(() => saveKept(personId, documentId, kept), [kept])

  useEffect(() => {
    let recovering = false
    const recover = (reason: string): void => {
      if (recovering) return
      recovering = true
      const old = new Y.Doc()
      Y.applyUpdate(old, Y.encodeStateAsUpdate(conn.doc))
      const entry: KeptAside = { at: new Date().toISOString(), reason, parts: [] }
      void conn.discard().then(() => {
        setPending({ old, entry })
        setGeneration((g) => g + 1)
      })
    }
    const stopClosed = conn.onClosed((code, reason) => {
      if (code === CLOSE_REFUSED || code === CLOSE_CLIENT_ID_TAKEN) recover(reason)
      else if (code === CLOSE_UNAUTHORIZED) void checkSession()
    })
    const stopStatus = conn.subscribe((status) => {
      // Synced over a connection that may not write, with edits the server never took: they
      // can never be sent from this copy.
      if (status.synced && status.localLoaded && !status.writeGranted && status.pending && status.link === 'connected') {
        recover(status.deniedReason ?? notSentReason)
      }
    })
    return () => {
      stopClosed()
      stopStatus()
      if (!recovering) conn.destroy()
    }
  }, [conn])

  useEffect(() => {
    if (!pending) return
    const { old, entry } = pending
    const compare = (): void => {
      if (!conn.status.synced) return
      const parts = textMissing(old, Y.decodeStateVector(Y.encodeStateVector(conn.doc)))
      setKept((list) => {
        const others = list.filter((item) => item.at !== entry.at)
        return parts.length ? [...others, { ...entry, parts }] : others
      })
    }
    const stopStatus = conn.subscribe(compare)
    conn.doc.on('update', compare)
    return () => {
      stopStatus()
      conn.doc.off('update', compare)
    }
  }, [pending, conn])

  const dismiss = (index: number): void => {
    setKept((list) => list.filter((_, i) => i !== index))
    setPending(null)
  }
  return { conn, generation, kept, dismiss }
}
