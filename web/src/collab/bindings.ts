// Plain form fields bound to shared Yjs values. A title is a Y.Text, so two people typing in it
// at once merge character by character; short fields (dates, numbers, contacts) are strings in
// a Y.Map, last writer wins, which is what people expect of a date.
import * as Y from 'yjs'

type Field = HTMLInputElement | HTMLTextAreaElement

/** Keep the caret where the person had it when someone else's change arrives. */
function replaceValue(field: Field, next: string, shift: (index: number) => number): void {
  if (field.value === next) return
  const focused = document.activeElement === field
  const start = field.selectionStart ?? 0
  const end = field.selectionEnd ?? 0
  field.value = next
  if (focused) field.setSelectionRange(shift(start), shift(end))
}

export function bindText(field: Field, text: Y.Text, origin: object): () => void {
  field.value = text.toString()
  const onInput = (): void => {
    const before = text.toString()
    const after = field.value
    if (before === after) return
    // One contiguous change per input event: find the common prefix and suffix.
    let prefix = 0
    while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) {
      prefix++
    }
    let suffix = 0
    while (
      suffix < before.length - prefix &&
      suffix < after.length - prefix &&
      before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
    ) {
      suffix++
    }
    text.doc?.transact(() => {
      const removed = before.length - prefix - suffix
      if (removed > 0) text.delete(prefix, removed)
      const inserted = after.slice(prefix, after.length - suffix)
      if (inserted) text.insert(prefix, inserted)
    }, origin)
  }
  const observer = (event: Y.YTextEvent, transaction: Y.Transaction): void => {
    if (transaction.origin === origin) return
    const changes: [number, number][] = [] // [index, +inserted / -deleted]
    let index = 0
    for (const op of event.delta) {
      if (op.retain) index += op.retain
      else if (op.insert) {
        const length = typeof op.insert === 'string' ? op.insert.length : 1
        changes.push([index, length])
        index += length
      } else if (op.delete) changes.push([index, -op.delete])
    }
    replaceValue(field, text.toString(), (position) => {
      let shifted = position
      for (const [at, delta] of changes) {
        if (at < shifted) shifted = delta > 0 ? shifted + delta : Math.max(at, shifted + delta)
      }
      return shifted
    })
  }
  field.addEventListener('input', onInput)
  text.observe(observer)
  return () => {
    field.removeEventListener('input', onInput)
    text.unobserve(observer)
  }
}

export function readString(value: unknown): string {
  if (value == null) return ''
  if (value instanceof Y.Text) return value.toString()
  return String(value)
}

export function bindMapField(field: Field, map: Y.Map<unknown>, key: string, origin: object): () => void {
  field.value = readString(map.get(key))
  const onInput = (): void => {
    map.doc?.transact(() => map.set(key, field.value), origin)
  }
  const observer = (event: Y.YMapEvent<unknown>, transaction: Y.Transaction): void => {
    if (transaction.origin === origin || !event.keysChanged.has(key)) return
    replaceValue(field, readString(map.get(key)), (position) => position)
  }
  field.addEventListener('input', onInput)
  map.observe(observer)
  return () => {
    field.removeEventListener('input', onInput)
    map.unobserve(observer)
  }
}

/**
 * A prose field inside a Y.Map (a milestone's activity, a contact's name): a Y.Text, so two
 * people typing in it at once both keep their words. A plain string left there by another
 * client is upgraded to a Y.Text on the first keystroke.
 */
export function bindMapText(field: Field, map: Y.Map<unknown>, key: string, origin: object): () => void {
  let unbindText: (() => void) | null = null
  const attach = (): void => {
    unbindText?.()
    unbindText = null
    const value = map.get(key)
    if (value instanceof Y.Text) unbindText = bindText(field, value, origin)
    else replaceValue(field, readString(value), (position) => position)
  }
  const onInput = (): void => {
    if (map.get(key) instanceof Y.Text) return // the text binding has it
    map.doc?.transact(() => map.set(key, new Y.Text(field.value)), origin)
  }
  const observer = (event: Y.YMapEvent<unknown>): void => {
    if (event.keysChanged.has(key)) attach()
  }
  field.addEventListener('input', onInput)
  map.observe(observer)
  attach()
  return () => {
    unbindText?.()
    field.removeEventListener('input', onInput)
    map.unobserve(observer)
  }
}
