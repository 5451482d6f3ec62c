// One rich-text section of the template (A-G): a TipTap editor bound to the Y.XmlFragment of
// the same name, with the others' carets labelled by name and organisation.
import { Editor } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { Placeholder } from '@tiptap/extensions'
import StarterKit from '@tiptap/starter-kit'
import { useEffect, useRef, useState } from 'preact/hooks'
import { presenceLabel, type DocumentConnection, type PresenceUser } from '../collab/connection'
import { sectionGuidance, sectionTitle, type Section } from '../collab/template'
import { t } from '../i18n'
import { Toolbar } from './Toolbar'

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
  editable: boolean
}) {
  const { conn, section, user, editable } = props
  const host = useRef<HTMLDivElement>(null)
  const [editor, setEditor] = useState<Editor | null>(null)
  const labelId = `label-${section}`
  const helpId = `help-${section}`
  useEffect(() => {
    const instance = new Editor({
      element: host.current!,
      editable,
      extensions: [
        // Yjs keeps the undo history per person; the default one would undo others' typing.
        StarterKit.configure({ undoRedo: false, link: { openOnClick: false, autolink: true } }),
        Collaboration.configure({ document: conn.doc, field: section }),
        CollaborationCaret.configure({ provider: conn.provider, user, render: renderCaret }),
        Placeholder.configure({ placeholder: () => t('editor.placeholder') }),
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
    return () => {
      instance.destroy()
      setEditor(null)
    }
  }, [conn, section])
  useEffect(() => {
    if (editor && editor.isEditable !== editable) editor.setEditable(editable)
    host.current?.querySelector('.rich')?.setAttribute('aria-readonly', String(!editable))
  }, [editor, editable])
  return (
    <section class="field rich-field" aria-labelledby={labelId} id={`section-${section}`}>
      <h3 id={labelId}>{sectionTitle(section)}</h3>
      <p id={helpId} class="help">
        {sectionGuidance(section)}
      </p>
      {editor && editable && <Toolbar editor={editor} label={t('editor.toolbar', { section: sectionTitle(section) })} />}
      <div ref={host} class="rich-host" />
    </section>
  )
}
