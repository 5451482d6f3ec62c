// Formatting buttons; every one also has its usual keyboard shortcut (Ctrl+B, Ctrl+I, ...).
// One tab stop per toolbar, arrow keys between its buttons (the WAI-ARIA toolbar pattern), so
// keyboard users do not tab through six buttons before every section.
import type { Editor } from '@tiptap/core'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'

export function Toolbar({ editor, label }: { editor: Editor; label: string }) {
  const [, setTick] = useState(0)
  const [active, setActive] = useState(0)
  useEffect(() => {
    const refresh = (): void => setTick((n) => n + 1)
    editor.on('selectionUpdate', refresh)
    editor.on('transaction', refresh)
    return () => {
      editor.off('selectionUpdate', refresh)
      editor.off('transaction', refresh)
    }
  }, [editor])
  const chain = () => editor.chain().focus()
  const setLink = (): void => {
    const previous = String(editor.getAttributes('link').href ?? '')
    const href = window.prompt(t('editor.linkPrompt'), previous)
    if (href === null) return
    if (href.trim() === '') chain().extendMarkRange('link').unsetLink().run()
    else chain().extendMarkRange('link').setLink({ href: href.trim() }).run()
  }
  const buttons: [string, string, boolean, () => void][] = [
    ['B', t('editor.bold'), editor.isActive('bold'), () => chain().toggleBold().run()],
    ['I', t('editor.italic'), editor.isActive('italic'), () => chain().toggleItalic().run()],
    ['H', t('editor.heading2'), editor.isActive('heading', { level: 3 }), () => chain().toggleHeading({ level: 3 }).run()],
    ['•', t('editor.bullets'), editor.isActive('bulletList'), () => chain().toggleBulletList().run()],
    ['1.', t('editor.numbered'), editor.isActive('orderedList'), () => chain().toggleOrderedList().run()],
    ['↗', t('editor.link'), editor.isActive('link'), setLink],
  ]
  const onKeyDown = (event: KeyboardEvent): void => {
    const moves: Record<string, number> = { ArrowRight: active + 1, ArrowLeft: active - 1, Home: 0, End: buttons.length - 1 }
    if (!(event.key in moves)) return
    event.preventDefault()
    const next = (moves[event.key] + buttons.length) % buttons.length
    setActive(next)
    const group = event.currentTarget as HTMLElement
    group.querySelectorAll('button')[next]?.focus()
  }
  return (
    <div class="toolbar" role="toolbar" aria-label={label} onKeyDown={onKeyDown}>
      {buttons.map(([glyph, name, pressed, run], index) => (
        <button
          type="button"
          key={name}
          tabIndex={index === active ? 0 : -1}
          aria-pressed={pressed}
          aria-label={name}
          title={name}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            setActive(index)
            run()
          }}
        >
          <span aria-hidden="true">{glyph}</span>
        </button>
      ))}
    </div>
  )
}
