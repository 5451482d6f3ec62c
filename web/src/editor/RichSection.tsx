// One rich-text section of the template (A-G): a TipTap editor bound to the Y.XmlFragment of
// the same name, with the others' carets labelled by name and organisation.
import { Editor } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { Placeholder } from '@tiptap/extensions'
import StarterKit from '@tiptap/starter-kit'
import { useContext, useEffect, useRef, useState } from 'preact/hooks'
import { presenceLabel, type DocumentConnection, type PresenceUser } from '../collab/connection'
import { sectionGuidance, sectionTitle, type Section } from '../collab/template'
import { serverText, t } from '../i18n'
import type { Key } from '../messages'
import { NoteCount } from './Notes'
import { ReviewContext } from './review'
import { SectionReview, reviewExtension, type Notice } from './reviewPlugin'
import { Toolbar } from './Toolbar'

/** How a person works in a section: writing, proposing changes, or reading. */
export type Mode = 'edit' | 'suggest' | 'read'

// The label is drawn by CSS from data-label, so it never becomes part of the text that is
// selected, copied or read out; screen-reader users get the presence list instead.
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const caret = document.createElement('span')
  const color = String(user.color ?? '#374151')
  caret.classList.add('collaboration-carets__caret')
  caret.setAttribute('aria-hidden', 'true')
  caret.dataset.label = presenceLabel(user)
  caret.style.borderColor = color
  caret.style.setProperty('--caret-color', color)
  return caret
}

export function RichSection(props: {
  conn: DocumentConnection
  section: Section
  user: PresenceUser
  mode: Mode
}) {
  const { conn, section, user, mode } = props
  const editable = mode !== 'read'
  const review = useContext(ReviewContext)
  const host = useRef<HTMLDivElement>(null)
  const [editor, setEditor] = useState<Editor | null>(null)
  const [notice, setNotice] = useState<Notice>(null)
  const [controller, setController] = useState<SectionReview | null>(null)
  const labelId = `label-${section}`
  const helpId = `help-${section}`
  useEffect(() => {
    const sectionReview = review && new SectionReview(section, review.store, review.api, setNotice, (id) => review.select(id))
    const instance = new Editor({
      element: host.current!,
      editable,
      extensions: [
        // Yjs keeps the undo history per person; the default one would undo others' typing.
        StarterKit.configure({ undoRedo: false, link: { openOnClick: false, autolink: true } }),
        Collaboration.configure({ document: conn.doc, field: section }),
        CollaborationCaret.configure({ provider: conn.provider, user, render: renderCaret }),
        Placeholder.configure({ placeholder: () => t('editor.placeholder') }),
        ...(sectionReview ? [reviewExtension(sectionReview)] : []),
      ],
      editorProps: {
        attributes: {
          class: 'rich',
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-labelledby': labelId,
          'aria-describedby': helpId,
          'data-section': section,
        },
      },
    })
    instance.on('focus', () => conn.setSection(section))
    instance.on('blur', () => conn.setSection(null))
    setEditor(instance)
    setController(sectionReview)
    const unregister = sectionReview && review?.register(section, sectionReview)
    return () => {
      unregister?.()
      sectionReview?.destroy()
      instance.destroy()
      setEditor(null)
      setController(null)
    }
  }, [conn, section, review])
  useEffect(() => {
    controller?.setSuggesting(mode === 'suggest')
    if (editor && editor.isEditable !== editable) editor.setEditable(editable)
    const rich = host.current?.querySelector('.rich')
    rich?.setAttribute('aria-readonly', String(!editable))
    rich?.setAttribute('data-mode', mode)
    if (mode === 'suggest') rich?.setAttribute('aria-roledescription', t('suggest.roleDescription'))
    else rich?.removeAttribute('aria-roledescription')
  }, [editor, controller, mode, editable])
  const onKeyDown = (event: KeyboardEvent): void => {
    // Ctrl+Alt+M, as in other editors: comment on the selected text.
    if (review?.may.comment && event.ctrlKey && event.altKey && event.key.toLowerCase() === 'm') {
      event.preventDefault()
      review.startComment(section)
    }
  }
  return (
    <section class="field rich-field" aria-labelledby={labelId} id={`section-${section}`} onKeyDown={onKeyDown}>
      <h3 id={labelId}>
        {sectionTitle(section)} <NoteCount column={section} />
      </h3>
      <p id={helpId} class="help">
        {sectionGuidance(section)}
      </p>
      {editor && mode === 'edit' && <Toolbar editor={editor} label={t('editor.toolbar', { section: sectionTitle(section) })} />}
      <div ref={host} class="rich-host" />
      {notice && (
        <p class={notice.kind === 'error' ? 'error notice-line' : 'muted notice-line'} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="suggest-notice">
          {t(notice.key as Key, { detail: notice.detail ? serverText(notice.detail) : '' })}
        </p>
      )}
    </section>
  )
}
