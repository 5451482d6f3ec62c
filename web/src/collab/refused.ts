// Edits the server refused, kept aside for the person who typed them.
//
// A refused edit stays in the browser's Yjs document, and every later edit builds on it, so the
// page loads the document afresh from the server (collab/connection.ts). What the old copy holds
// beyond what the fresh one has is the person's unsaved text: it is listed per part of the
// template, shown until they dismiss it, and kept in localStorage meanwhile so that a reload
// does not lose it either. Nothing here is ever sent to the server.
import * as Y from 'yjs'

export interface KeptText {
  /** The Yjs root the text was typed in ('problem', 'title', 'meta', ...). */
  root: string
  /** The map key inside the root, for fields of 'meta', 'contacts' and milestones. */
  key: string | null
  text: string
}

export interface KeptAside {
  at: string
  reason: string
  parts: KeptText[]
}

function rootName(doc: Y.Doc, type: Y.AbstractType<unknown>): string {
  for (const [name, shared] of doc.share) if (shared === type) return name
  return ''
}

/** The root and the nearest map key above an item. */
function placeOf(doc: Y.Doc, item: Y.Item): { root: string; key: string | null } {
  let key: string | null = item.parentSub
  let parent = item.parent as Y.AbstractType<unknown> | null
  while (parent && parent._item) {
    key = key ?? parent._item.parentSub
    parent = parent._item.parent as Y.AbstractType<unknown> | null
  }
  return { root: parent ? rootName(doc, parent) : '', key }
}

function textOf(item: Y.Item, offset: number): string {
  const content = item.content
  if (content instanceof Y.ContentString) return content.str.slice(offset)
  if (content instanceof Y.ContentAny) {
    return content.arr
      .slice(offset)
      .filter((value): value is string => typeof value === 'string')
      .join('')
  }
  return ''
}

/** The visible text ``old`` holds that a document at ``server`` (a state vector) lacks, in the
 * order it was typed, per part of the template. */
export function textMissing(old: Y.Doc, server: Map<number, number>): KeptText[] {
  const parts = new Map<string, KeptText>()
  for (const [client, structs] of old.store.clients) {
    const known = server.get(client) ?? 0
    for (const struct of structs) {
      const end = struct.id.clock + struct.length
      if (end <= known || !(struct instanceof Y.Item) || struct.deleted) continue
      const text = textOf(struct, Math.max(0, known - struct.id.clock))
      if (!text.trim()) continue
      const { root, key } = placeOf(old, struct)
      const id = `${root}\u0000${key ?? ''}`
      const part = parts.get(id) ?? { root, key, text: '' }
      part.text += text
      parts.set(id, part)
    }
  }
  return [...parts.values()]
}

function storageKey(personId: string, documentId: string): string {
  return `kokreasi:refused:${personId}:${documentId}`
}

export function loadKept(personId: string, documentId: string): KeptAside[] {
  try {
    const raw = localStorage.getItem(storageKey(personId, documentId))
    return raw ? (JSON.parse(raw) as KeptAside[]) : []
  } catch {
    return []
  }
}

export function saveKept(personId: string, documentId: string, kept: KeptAside[]): void {
  try {
    if (kept.length) localStorage.setItem(storageKey(personId, documentId), JSON.stringify(kept))
    else localStorage.removeItem(storageKey(personId, documentId))
  } catch {
    // private mode: the text stays on the page until it is closed
  }
}
