// Formatting buttons; every one also has its usual keyboard shortcut (Ctrl+B, Ctrl+I, ...).
import type { Editor } from '@tiptap/core'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'

export function Toolbar({ editor, label }: { editor: Editor; label: string }) {
  const [, setTick] = useState(0)
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
  return (
    <div class="toolbar" role="toolbar" aria-label={label}>
      {buttons.map(([glyph, name, active, run]) => (
        <button type="button" key={name} aria-pressed={active} aria-label={name} title={name} onMouseDown={(e) => e.preventDefault()} onClick={run}>
          <span aria-hidden="true">{glyph}</span>
        </button>
      ))}
    </div>
  )
}
