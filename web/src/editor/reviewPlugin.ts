// Comments and suggestions inside one rich-text section: highlights of commented text, proposed
// deletions struck through and proposed insertions drawn beside them (never part of the text),
// and suggestion mode, where typing is captured as a proposal instead of changing the text.
//
// Anchors (./anchors.ts) follow the text as anyone edits it.
// Positions are recomputed after each change has reached Yjs (a turn later), and mapped through
// ProseMirror's transaction mapping in between, so a highlight never lags a keystroke behind.
import { Extension } from '@tiptap/core'
import { Plugin, PluginKey, TextSelection, type EditorState, type Transaction } from '@tiptap/pm/state'
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view'
import { ySyncPluginKey } from '@tiptap/y-tiptap'
import { stakeholderColor } from '../collab/template'
import { t } from '../i18n'
import type { Anchor, Comment, ReviewApi, ReviewStore, Suggestion } from '../collab/review'
import { anchorFor, bindingOf, resolveRange, type Binding } from './anchors'

/** A proposal being typed (state "typing"), sent and awaiting the server ("sending"), or
 * accepted by the server and awaiting its entry in the `review` root ("sent"). */
interface Draft {
  from: number
  to: number
  text: string
  state: 'typing' | 'sending' | 'sent'
  id?: string
}

/** What the text says now about an anchored comment or suggestion. */
export interface Live {
  /** The commented text was deleted (the range collapsed or cannot be found). */
  deleted: boolean
  /** The text under a suggestion is no longer what it proposed to change. */
  stale: boolean
}

export type Notice = { kind: 'error' | 'info'; key: string; detail?: string } | null

const key = new PluginKey<DecorationSet>('review')
const PAUSE_MS = 1200

function chars(text: string): string[] {
  return Array.from(text)
}

export class SectionReview {
  view: EditorView | null = null
  suggesting = false
  live = new Map<string, Live>()
  private draft: Draft | null = null
  private readonly sent: Draft[] = []
  private timer = 0
  private scheduled = 0
  private readonly listeners = new Set<() => void>()
  private readonly unsubscribe: () => void

  constructor(
    readonly section: string,
    readonly store: ReviewStore,
    readonly reviewApi: ReviewApi,
    private readonly notify: (notice: Notice) => void,
    private readonly select: (id: string) => void,
  ) {
    this.unsubscribe = store.subscribe(() => this.schedule())
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  destroy(): void {
    this.flush()
    this.unsubscribe()
    clearTimeout(this.timer)
    clearTimeout(this.scheduled)
    this.listeners.clear()
    this.view = null
  }

  setSuggesting(on: boolean): void {
    if (this.suggesting === on) return
    if (!on) this.flush()
    this.suggesting = on
  }

  /** Anchors for the current selection, when it covers text of this section. */
  selectionAnchor(): { anchor: Anchor; quote: string } | null {
    const view = this.view
    if (!view) return null
    const { from, to, empty } = view.state.selection
    if (empty) return null
    const anchor = anchorFor(view.state, from, to)
    return anchor && { anchor, quote: view.state.doc.textBetween(from, to, '\n', ' ') }
  }

  /** Recompute highlights a turn from now, once Yjs and ProseMirror agree again. */
  schedule(): void {
    clearTimeout(this.scheduled)
    this.scheduled = window.setTimeout(() => this.refresh(), 0)
  }

  refresh(): void {
    const view = this.view
    if (!view || view.isDestroyed) return
    const decorations = this.compute(view.state)
    view.dispatch(view.state.tr.setMeta(key, decorations).setMeta('addToHistory', false))
    for (const listener of this.listeners) listener()
  }

  private compute(state: EditorState): DecorationSet {
    const binding = bindingOf(state)
    const decorations: Decoration[] = []
    const live = new Map<string, Live>()
    if (binding) {
      for (const comment of this.store.comments) {
        if (comment.section !== this.section || !comment.start) continue
        this.commentDecorations(state, binding, comment, decorations, live)
      }
      for (const suggestion of this.store.suggestions) {
        if (suggestion.section !== this.section || !suggestion.start) continue
        this.suggestionDecorations(state, binding, suggestion, decorations, live)
      }
    }
    this.live = live
    const known = new Set(this.store.suggestions.map((s) => s.id))
    for (let i = this.sent.length - 1; i >= 0; i--) {
      if (this.sent[i].id && known.has(this.sent[i].id!)) this.sent.splice(i, 1)
    }
    for (const draft of [...this.sent, ...(this.draft ? [this.draft] : [])]) this.draftDecorations(draft, decorations)
    return DecorationSet.create(state.doc, decorations)
  }

  private commentDecorations(state: EditorState, binding: Binding, comment: Comment, out: Decoration[], live: Map<string, Live>): void {
    const range = resolveRange(state, binding, comment.start, comment.end)
    const deleted = !range || !range.ok || range.from === range.to
    live.set(comment.id, { deleted, stale: false })
    if (deleted || comment.status !== 'open' || !range) return
    out.push(Decoration.inline(range.from, range.to, { class: 'comment-mark', 'data-comment': comment.id }))
  }

  private suggestionDecorations(state: EditorState, binding: Binding, s: Suggestion, out: Decoration[], live: Map<string, Live>): void {
    const range = resolveRange(state, binding, s.start, s.end)
    const text = range && range.ok ? state.doc.textBetween(range.from, range.to, '\n', ' ') : null
    const stale = s.stale || text === null || text !== s.quote || (s.quote === '' && !!range?.gone)
    live.set(s.id, { deleted: !range || !range.ok, stale })
    if (s.status !== 'open' || !range || !range.ok) return
    const color = stakeholderColor(s.author.stakeholder)
    const who = s.author.organisation ? `${s.author.name} · ${s.author.organisation}` : s.author.name
    const attrs = { 'data-suggestion': s.id, 'data-author': who, style: `--author: ${color}` }
    if (range.from < range.to) {
      out.push(Decoration.inline(range.from, range.to, { ...attrs, class: `suggest-del${stale ? ' stale' : ''}` }))
    }
    out.push(
      Decoration.widget(range.to, () => this.insertion(s.replacement, who, color, s.id, stale ? 'stale' : ''), {
        side: 1,
        key: `s-${s.id}-${stale}-${s.replacement}-${who}`,
        ignoreSelection: true,
      }),
    )
  }

  private insertion(text: string, who: string, color: string, id: string, extra: string): HTMLElement {
    const span = document.createElement('span')
    span.className = `suggest-ins ${extra}`.trim()
    span.contentEditable = 'false'
    span.dataset.suggestion = id
    span.style.setProperty('--author', color)
    if (text) {
      const ins = document.createElement('ins')
      ins.textContent = text
      span.append(ins)
    }
    const label = document.createElement('span')
    label.className = 'suggest-who'
    label.setAttribute('aria-hidden', 'true')
    label.textContent = who
    span.append(label)
    return span
  }

  private draftDecorations(draft: Draft, out: Decoration[]): void {
    const attrs = { class: `suggest-del draft`, 'data-draft': draft.state }
    if (draft.from < draft.to) out.push(Decoration.inline(draft.from, draft.to, attrs))
    out.push(
      Decoration.widget(
        draft.to,
        () => {
          const span = document.createElement('span')
          span.className = 'suggest-ins draft'
          span.contentEditable = 'false'
          span.dataset.draft = draft.state
          const label = document.createElement('span')
          label.className = 'suggest-who'
          label.textContent = t(draft.state === 'typing' ? 'suggest.draft' : draft.state === 'sending' ? 'suggest.sending' : 'suggest.recorded')
          if (draft.text) {
            const ins = document.createElement('ins')
            ins.textContent = draft.text
            span.append(ins)
          }
          span.append(label)
          return span
        },
        // Before the caret, so it sits after what was just typed.
        { side: -1, key: `d-${draft.state}-${draft.text}`, ignoreSelection: true },
      ),
    )
  }

  // Suggestion mode: each keystroke changes the draft, never the document.

  private edit(view: EditorView, op: { insert: string } | { back: true } | { forward: true }): boolean {
    const { selection } = view.state
    const { $from, $to } = selection
    if (!$from.sameParent($to) || !$from.parent.isTextblock) {
      this.notify({ kind: 'info', key: 'suggest.oneParagraph' })
      return true
    }
    let draft = this.draft
    const continuing = draft && selection.empty && selection.from === draft.to
    if (!continuing) {
      this.flush()
      draft = { from: selection.from, to: selection.to, text: '', state: 'typing' }
    }
    const d = draft!
    const start = $from.start()
    const end = $from.end()
    if ('insert' in op) d.text += op.insert
    else if (continuing || selection.empty) {
      if ('back' in op) {
        if (d.text) d.text = chars(d.text).slice(0, -1).join('')
        else if (d.from > start) d.from -= 1
      } else if (d.to < end) d.to += 1
    }
    this.notify(null)
    if (d.from === d.to && !d.text) {
      this.draft = null
    } else {
      this.draft = d
      clearTimeout(this.timer)
      this.timer = window.setTimeout(() => this.flush(), PAUSE_MS)
    }
    const tr = view.state.tr.setSelection(TextSelection.create(view.state.doc, d.to))
    view.dispatch(tr.setMeta(key, this.compute(view.state)).setMeta('addToHistory', false))
    for (const listener of this.listeners) listener()
    return true
  }

  /** Send the draft being typed as a suggestion (after a pause, on leaving, on a new spot). */
  flush(): void {
    clearTimeout(this.timer)
    const draft = this.draft
    const view = this.view
    this.draft = null
    if (!draft || !view || view.isDestroyed || (draft.from === draft.to && !draft.text)) return
    const state = view.state
    const anchor = anchorFor(state, draft.from, draft.to)
    if (!anchor) {
      this.notify({ kind: 'error', key: 'suggest.noAnchor' })
      this.schedule()
      return
    }
    draft.state = 'sending'
    this.sent.push(draft)
    this.reviewApi
      .suggest({ section: this.section, quote: state.doc.textBetween(draft.from, draft.to, '\n', ' '), replacement: draft.text, anchor })
      .then(
        ({ id }) => {
          draft.state = 'sent'
          draft.id = id
          this.notify({ kind: 'info', key: 'suggest.sent' })
          this.schedule()
        },
        (error: unknown) => {
          this.sent.splice(this.sent.indexOf(draft), 1)
          this.notify({ kind: 'error', key: 'suggest.failed', detail: error instanceof Error ? error.message : String(error) })
          this.schedule()
        },
      )
    this.schedule()
  }

  private mapDrafts(tr: Transaction): void {
    for (const draft of [...this.sent, ...(this.draft ? [this.draft] : [])]) {
      draft.from = tr.mapping.map(draft.from, 1)
      draft.to = Math.max(draft.from, tr.mapping.map(draft.to, -1))
    }
  }

  plugin(): Plugin<DecorationSet> {
    return new Plugin<DecorationSet>({
      key,
      state: {
        init: () => DecorationSet.empty,
        apply: (tr, set) => {
          const next = tr.getMeta(key) as DecorationSet | undefined
          if (next) return next
          if (!tr.docChanged) return set
          this.mapDrafts(tr)
          return set.map(tr.mapping, tr.doc)
        },
      },
      // In suggestion mode only Yjs may change the text (others' edits arriving).
      filterTransaction: (tr) => {
        if (!this.suggesting || !tr.docChanged) return true
        const sync = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined
        return !!sync?.isChangeOrigin
      },
      view: (view) => {
        this.view = view
        this.schedule()
        return {
          update: (updated, previous) => {
            if (!updated.state.doc.eq(previous.doc)) this.schedule()
          },
          destroy: () => {
            this.view = null
          },
        }
      },
      props: {
        decorations: (state) => key.getState(state),
        handleClick: (_view, _pos, event) => {
          const mark = (event.target as HTMLElement | null)?.closest?.('[data-comment],[data-suggestion]') as HTMLElement | null
          const id = mark?.dataset.comment ?? mark?.dataset.suggestion
          if (id) this.select(id)
          return false
        },
        handleKeyDown: (view, event) => {
          if (!this.suggesting) return false
          const mod = event.ctrlKey || event.metaKey
          if (event.key === 'Backspace' && !event.altKey) return this.edit(view, { back: true })
          if (event.key === 'Delete' && !event.altKey) return this.edit(view, { forward: true })
          if (event.key === 'Enter') {
            this.notify({ kind: 'info', key: 'suggest.oneParagraph' })
            return true
          }
          // Undo would change the text directly (Yjs undo), and formatting is not a suggestion.
          if (mod && /^[zyZYbiBI]$/.test(event.key)) return true
          return false
        },
        handleTextInput: (view, _from, _to, text) => (this.suggesting ? this.edit(view, { insert: text }) : false),
        handlePaste: (view, event) => {
          if (!this.suggesting) return false
          const text = event.clipboardData?.getData('text/plain') ?? ''
          if (text) this.edit(view, { insert: text.replace(/\s*\n\s*/g, ' ') })
          return true
        },
        handleDrop: () => this.suggesting,
        handleDOMEvents: {
          beforeinput: (view, event) => {
            if (!this.suggesting) return false
            const input = event as InputEvent
            event.preventDefault()
            if ((input.inputType === 'insertText' || input.inputType === 'insertReplacementText') && input.data) {
              this.edit(view, { insert: input.data })
            } else if (input.inputType.startsWith('deleteContentBackward') || input.inputType.startsWith('deleteWordBackward')) {
              this.edit(view, { back: true })
            } else if (input.inputType.startsWith('deleteContentForward') || input.inputType.startsWith('deleteWordForward')) {
              this.edit(view, { forward: true })
            }
            return true
          },
          blur: () => {
            if (this.suggesting) this.flush()
            return false
          },
        },
      },
    })
  }
}

/** The TipTap extension around a section's SectionReview. */
export function reviewExtension(review: SectionReview) {
  return Extension.create({
    name: 'review',
    // Before the keymaps, so Backspace and Enter in suggestion mode reach it first.
    priority: 1000,
    addProseMirrorPlugins: () => [review.plugin()],
  })
}
