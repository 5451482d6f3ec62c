// The pieces of a comment thread or suggestion card: who and when, a body with its mentions, and
// the text box that writes one (with a list to mention a person or an organisation).
import { useEffect, useRef, useState } from 'preact/hooks'
import { bodyParts, mentionToken, type Author } from '../collab/review'
import { fieldLabel, stakeholderColor } from '../collab/template'
import { formatDate, t } from '../i18n'
import { ActionResult, useAction } from '../ui/forms'
import type { MentionTarget, Review } from './review'

export function who(author: Author | null): string {
  if (!author) return ''
  return author.organisation ? `${author.name} (${author.organisation})` : author.name
}

export function when(iso: string | null | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : `${formatDate(iso)} ${date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
}

/** Where a comment sits, as a person reads it ("Milestone 2 · Output", "Email"). */
export function targetLabel(section: string): string {
  if (section === '*') return t('rev.whole')
  const milestone = /^milestones\.(\d+)(?:\.(\w+))?$/.exec(section)
  if (milestone) {
    const row = t('editor.ms.row', { n: Number(milestone[1]) })
    return milestone[2] ? `${row} · ${fieldLabel(`milestones.${milestone[2]}`)}` : row
  }
  if (section.startsWith('contacts.')) return fieldLabel(section)
  return ''
}

export function Body({ text }: { text: string }) {
  return (
    <p class="body">
      {bodyParts(text).map((part, index) =>
        'text' in part ? (
          part.text
        ) : (
          <span key={index} class="mention" data-kind={part.kind} data-id={part.id}>
            @{part.mention}
          </span>
        ),
      )}
    </p>
  )
}

export function Byline({ author, at, edited, extra }: { author: Author; at: string; edited: string | null; extra?: string }) {
  return (
    <p class="byline">
      <span class="swatch" style={{ background: stakeholderColor(author.stakeholder) }} aria-hidden="true" />
      <strong>{author.name}</strong>
      {author.organisation && <span class="muted"> · {author.organisation}</span>}
      <span class="muted">
        {' '}
        · <time dateTime={at}>{when(at)}</time>
        {extra && ` · ${extra}`}
        {edited && ` · ${t('rev.edited')}`}
      </span>
    </p>
  )
}

/** A text box for a comment or reply, with a list to mention a person or an organisation. */
export function Writer(props: { review: Review; label: string; initial?: string; submit: string; onSubmit: (body: string) => Promise<unknown>; onCancel: () => void }) {
  const { review, label, submit, onSubmit, onCancel } = props
  const [body, setBody] = useState(props.initial ?? '')
  const [targets, setTargets] = useState<MentionTarget[] | null>(null)
  const [mentionError, setMentionError] = useState(false)
  const area = useRef<HTMLTextAreaElement>(null)
  const action = useAction()
  const [id] = useState(() => `writer-${Math.random().toString(36).slice(2)}`)
  useEffect(() => area.current?.focus(), [])
  const loadTargets = (): void => {
    if (targets) return
    review.mentionTargets().then(setTargets, () => setMentionError(true))
  }
  const mention = (value: string): void => {
    const target = targets?.find((m) => `${m.kind}:${m.id}` === value)
    const field = area.current
    if (!target || !field) return
    const token = `${mentionToken(target.name, target.kind, target.id)} `
    const at = field.selectionStart ?? body.length
    const next = body.slice(0, at) + token + body.slice(field.selectionEnd ?? at)
    setBody(next)
    requestAnimationFrame(() => {
      field.focus()
      field.setSelectionRange(at + token.length, at + token.length)
    })
  }
  const send = async (): Promise<void> => {
    if (!body.trim()) return
    const ok = await action.run(async () => {
      await onSubmit(body.trim())
    })
    if (ok) onCancel()
  }
  return (
    <div class="writer">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        ref={area}
        rows={3}
        value={body}
        onInput={(e) => setBody(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault()
            void send()
          } else if (e.key === 'Escape') onCancel()
        }}
        aria-describedby={`${id}-help`}
      />
      <p id={`${id}-help`} class="help">
        {t('rev.writerHelp')}
      </p>
      <label for={`${id}-mention`} class="visually-hidden">
        {t('rev.mention')}
      </label>
      <select id={`${id}-mention`} data-action="mention" value="" onFocus={loadTargets} onMouseDown={loadTargets} onChange={(e) => mention(e.currentTarget.value)}>
        <option value="">{mentionError ? t('rev.mentionUnavailable') : t('rev.mention')}</option>
        {targets && (
          <>
            <optgroup label={t('rev.people')}>
              {targets
                .filter((m) => m.kind === 'person')
                .map((m) => (
                  <option key={m.id} value={`person:${m.id}`}>
                    {m.name}
                    {m.detail && ` (${m.detail})`}
                  </option>
                ))}
            </optgroup>
            <optgroup label={t('rev.organisations')}>
              {targets
                .filter((m) => m.kind === 'org')
                .map((m) => (
                  <option key={m.id} value={`org:${m.id}`}>
                    {m.name}
                  </option>
                ))}
            </optgroup>
          </>
        )}
      </select>
      <div class="buttons">
        <button type="button" data-action="send" onClick={() => void send()} disabled={action.busy || !body.trim()}>
          {action.busy ? t('rev.sending') : submit}
        </button>
        <button type="button" class="secondary" data-action="cancel" onClick={onCancel}>
          {t('rev.cancel')}
        </button>
      </div>
      <ActionResult action={action} />
    </div>
  )
}
