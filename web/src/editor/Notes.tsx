// The column beside a part of the template: its comment threads and the suggestions on its text.
// Everything listed here comes from the document's `review` root as the server wrote it; the
// buttons only call the API, and the result shows up when the server has logged it.
import { useState } from 'preact/hooks'
import { CONTACT_FIELDS, fieldLabel } from '../collab/template'
import { t } from '../i18n'
import { Writer } from './NoteParts'
import { inColumn, useReview, useSectionLive } from './review'
import { SuggestionCard } from './SuggestionCard'
import { Thread } from './Thread'

export function NoteCount({ column }: { column: string }) {
  const review = useReview()
  if (!review) return null
  const comments = inColumn(review.store.comments, column).filter((c) => c.status === 'open').length
  const suggestions = inColumn(review.store.suggestions, column).filter((s) => s.status === 'open').length
  if (comments === 0 && suggestions === 0) return null
  const text = [comments && t('rev.countComments', { n: comments }), suggestions && t('rev.countSuggestions', { n: suggestions })].filter(Boolean).join(', ')
  return (
    <span class="note-count" data-testid="note-count" data-comments={comments} data-suggestions={suggestions}>
      {text}
    </span>
  )
}

function targetChoices(column: string): [string, string][] {
  if (column === 'contacts') return CONTACT_FIELDS.map(([name]) => [`contacts.${name}`, fieldLabel(`contacts.${name}`)])
  return []
}

/** The comment threads and suggestions beside one part of the template. */
export function Notes({ column, label, milestones = 0 }: { column: string; label: string; milestones?: number }) {
  const review = useReview()
  const controller = useSectionLive(review, column)
  const [showResolved, setShowResolved] = useState(false)
  const [target, setTarget] = useState('')
  if (!review) return null
  const comments = inColumn(review.store.comments, column)
  const suggestions = inColumn(review.store.suggestions, column)
  const open = comments.filter((c) => c.status === 'open')
  const resolved = comments.filter((c) => c.status === 'resolved')
  const proposed = suggestions.filter((s) => s.status === 'open')
  const decided = suggestions.filter((s) => s.status !== 'open')
  const composing = review.composing?.column === column ? review.composing : null
  const choices =
    column === 'milestones'
      ? Array.from({ length: milestones }, (_, i): [string, string] => [`milestones.${i + 1}`, t('editor.ms.row', { n: i + 1 })])
      : targetChoices(column)
  const section = choices.length > 0 ? target || choices[0][0] : column
  const headingId = `notes-${column === '*' ? 'whole' : column}`
  return (
    <div class="notes" data-notes={column}>
      {review.may.comment && !composing && (column !== 'milestones' || milestones > 0) && (
        <button type="button" class="secondary add-comment" data-action="add-comment" onClick={() => review.startComment(column)}>
          {t('rev.addComment')}
          <span class="visually-hidden"> {t('rev.on', { part: label })}</span>
        </button>
      )}
      {composing && (
        <div class="composer">
          {composing.quote ? (
            <blockquote class="quote">
              <span class="visually-hidden">{t('rev.quoted')} </span>
              {composing.quote}
            </blockquote>
          ) : (
            <p class="muted">{column === '*' ? t('rev.onWhole') : t('rev.onPart', { part: label })}</p>
          )}
          {choices.length > 0 && (
            <>
              <label for={`${headingId}-target`}>{t('rev.target')}</label>
              <select id={`${headingId}-target`} value={section} onChange={(e) => setTarget(e.currentTarget.value)}>
                {choices.map(([value, name]) => (
                  <option key={value} value={value}>
                    {name}
                  </option>
                ))}
              </select>
            </>
          )}
          <Writer
            review={review}
            label={t('rev.commentLabel')}
            submit={t('rev.sendComment')}
            onSubmit={(body) =>
              review.api.comment({
                section,
                body,
                ...(composing.anchor ? { anchor: composing.anchor, quote: composing.quote } : {}),
              })
            }
            onCancel={() => review.stopComment()}
          />
        </div>
      )}
      {proposed.length > 0 && (
        <ul class="cards" aria-label={t('rev.proposed', { n: proposed.length })}>
          {proposed.map((s) => (
            <li key={s.id}>
              <SuggestionCard review={review} suggestion={s} controller={controller} />
            </li>
          ))}
        </ul>
      )}
      {open.length > 0 && (
        <ul class="cards" aria-label={t('rev.threads', { n: open.length })}>
          {open.map((c) => (
            <li key={c.id}>
              <Thread review={review} comment={c} controller={controller} />
            </li>
          ))}
        </ul>
      )}
      {resolved.length > 0 && (
        <div class="resolved-list">
          <button type="button" class="link" aria-expanded={showResolved} onClick={() => setShowResolved(!showResolved)}>
            {t('rev.resolvedCount', { n: resolved.length })}
          </button>
          {showResolved && (
            <ul class="cards">
              {resolved.map((c) => (
                <li key={c.id}>
                  <Thread review={review} comment={c} controller={controller} />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {decided.length > 0 && (
        <details class="decided-list" open>
          <summary>{t('rev.decidedCount', { n: decided.length })}</summary>
          <ul class="cards">
            {decided.map((s) => (
              <li key={s.id}>
                <SuggestionCard review={review} suggestion={s} controller={controller} />
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}
