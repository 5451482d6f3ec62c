// Text the server refused, shown to the person who typed it, copyable, until they discard it.
import { useState } from 'preact/hooks'
import type { KeptAside as Kept } from '../collab/refused'
import { fieldLabel, rootLabel } from '../collab/template'
import { serverText, t } from '../i18n'

function partName(root: string, key: string | null): string {
  if (key && (root === 'meta' || root === 'contacts' || root === 'milestones')) {
    const prefix = root === 'milestones' ? 'milestones' : root
    const label = fieldLabel(`${prefix}.${key}`)
    return `${rootLabel(root)}: ${label}`
  }
  return rootLabel(root)
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <button
      type="button"
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? t('kept.copied') : t('kept.copy')}
    </button>
  )
}

export function KeptAside({ kept, dismiss }: { kept: Kept[]; dismiss: (index: number) => void }) {
  if (!kept.length) return null
  return (
    <section class="kept" role="alert" aria-labelledby="kept-heading" data-testid="kept-aside">
      <h2 id="kept-heading">{t('kept.heading')}</h2>
      {kept.map((entry, index) => (
        <div key={entry.at} class="kept-entry">
          <p>{t('kept.intro', { reason: serverText(entry.reason) })}</p>
          {entry.parts.map((part) => {
            const name = partName(part.root, part.key)
            return (
              <div key={`${part.root}.${part.key ?? ''}`} class="kept-part">
                <label>
                  {t('kept.part', { part: name })}
                  <textarea readOnly value={part.text} rows={Math.min(6, 1 + part.text.split('\n').length)} data-testid="kept-text" />
                </label>
                <CopyButton text={part.text} />
              </div>
            )
          })}
          <button type="button" onClick={() => dismiss(index)}>
            {t('kept.dismiss')}
          </button>
        </div>
      ))}
    </section>
  )
}
