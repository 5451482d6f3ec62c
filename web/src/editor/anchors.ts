// Anchors of comments and suggestions: Yjs relative positions (base64 of
// Y.encodeRelativePosition) naming characters of a section's Y.XmlFragment, made from and
// resolved to ProseMirror positions through the y-tiptap binding.
import type { EditorState } from '@tiptap/pm/state'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap'
import { fromBase64, toBase64 } from 'lib0/buffer'
import * as Y from 'yjs'
import type { Anchor } from '../collab/review'

type Mapping = Parameters<typeof relativePositionToAbsolutePosition>[3]

export interface Binding {
  doc: Y.Doc
  type: Y.XmlFragment
  mapping: Mapping
}

export function bindingOf(state: EditorState): Binding | null {
  const sync = ySyncPluginKey.getState(state) as { binding?: Binding } | undefined
  return sync?.binding?.mapping ? sync.binding : null
}

function decode(b64: string): Y.RelativePosition | null {
  try {
    return Y.decodeRelativePosition(fromBase64(b64))
  } catch {
    return null
  }
}

/** Whether the character a relative position sticks to has been deleted. */
function anchorDeleted(doc: Y.Doc, rel: Y.RelativePosition): boolean {
  if (!rel.item) return false
  try {
    return Y.getItem(doc.store, rel.item).deleted
  } catch {
    return true
  }
}

/** Anchors naming characters (docs/contracts.md): the first character of the range (assoc
 * 0) and its last (assoc -1); an empty range names the character it goes before, or after at
 * the end of a text. Null when there is no character to name (an empty paragraph). */
export function anchorFor(state: EditorState, from: number, to: number): Anchor | null {
  const binding = bindingOf(state)
  if (!binding) return null
  const place = (pos: number): { text: Y.XmlText; index: number } | null => {
    const rel = absolutePositionToRelativePosition(pos, binding.type, binding.mapping) as Y.RelativePosition
    const abs = Y.createAbsolutePositionFromRelativePosition(rel, binding.doc)
    return abs && abs.type instanceof Y.XmlText ? { text: abs.type, index: abs.index } : null
  }
  const encode = (text: Y.XmlText, index: number, assoc: number): string =>
    toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index, assoc)))
  const a = place(from)
  const b = from === to ? a : place(to)
  if (!a || !b) return null
  if (from < to) return { start: encode(a.text, a.index, 0), end: encode(b.text, b.index, -1) }
  if (a.index < a.text.length) {
    const at = encode(a.text, a.index, 0)
    return { start: at, end: at }
  }
  if (a.index > 0) {
    const at = encode(a.text, a.index, -1)
    return { start: at, end: at }
  }
  return null
}

/** Where an anchor's range is now; `gone` when the character it starts on was deleted. */
export function resolveRange(state: EditorState, binding: Binding, start: string | null, end: string | null) {
  if (!start || !end) return null
  const a = decode(start)
  const b = decode(end)
  if (!a || !b) return null
  const from = relativePositionToAbsolutePosition(binding.doc, binding.type, a, binding.mapping)
  const to = relativePositionToAbsolutePosition(binding.doc, binding.type, b, binding.mapping)
  if (from == null || to == null || from > to || to > state.doc.content.size) return { from: 0, to: 0, ok: false, gone: anchorDeleted(binding.doc, a) }
  return { from, to, ok: true, gone: from === to && anchorDeleted(binding.doc, a) }
}
