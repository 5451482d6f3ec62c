// A suggestion: what it changes, by whom, whether the text has moved on (stale), and for those
// who decide, accept / reject with a required reason, one by one or all of the person's.
import { useState } from 'preact/hooks'
import type { Suggestion } from '../collab/review'
import { stakeholderColor } from '../collab/template'
import { t } from '../i18n'
import { ActionResult, useAction } from '../ui/forms'
import { Byline, when, who } from './NoteParts'
import type { Review } from './review'
import type { SectionReview } from './reviewPlugin'

function Change({ suggestion }: { suggestion: Suggestion }) {
  const { quote, replacement } = suggestion
  if (!quote)
    return (
      <p class="change-text">
        {t('rev.insert')} <ins>{replacement}</ins>
      </p>
    )
  if (!replacement)
    return (
      <p class="change-text">
        {t('rev.delete')} <del>{quote}</del>
      </p>
    )
  return (
    <p class="change-text">
      {t('rev.replace')} <del>{quote}</del> {t('rev.with')} <ins>{replacement}</ins>
    </p>
  )
}

export function SuggestionCard({ review, suggestion, controller }: { review: Review; suggestion: Suggestion; controller: SectionReview | null }) {
  const [rejecting, setRejecting] = useState<'one' | 'all' | null>(null)
  const [reason, setReason] = useState('')
  const action = useAction()
  const stale = controller?.live.get(suggestion.id)?.stale ?? suggestion.stale
  const open = suggestion.status === 'open'
  const theirs = review.store.suggestions.filter((s) => s.status === 'open' && s.author.person_id === suggestion.author.person_id)
  const id = suggestion.id
  const decide = (decision: 'accept' | 'reject', text: string): Promise<boolean> =>
    action.run(async () => {
      await review.api.decide(id, decision, text)
      setRejecting(null)
    })
  const decideAll = (decision: 'accept' | 'reject', text: string): Promise<boolean> =>
    action.run(async () => {
      const result = await review.api.decideAllOf(suggestion.author.person_id, decision, text)
      setRejecting(null)
      return t('rev.allDone', { decided: result.decided.length, skipped: result.skipped.length })
    })
  const reasonId = `reject-${id}`
  return (
    <article
      class={`suggestion status-${suggestion.status}${stale && open ? ' stale' : ''}`}
      id={`suggestion-${id}`}
      tabIndex={-1}
      aria-label={t('rev.suggestionBy', { name: who(suggestion.author) })}
      data-suggestion-id={id}
      data-status={suggestion.status}
      data-stale={stale ? 'true' : 'false'}
      style={{ '--author': stakeholderColor(suggestion.author.stakeholder) }}
    >
      <Byline author={suggestion.author} at={suggestion.created_at} edited={null} />
      <Change suggestion={suggestion} />
      {suggestion.reason && <p class="muted">{t('rev.because', { reason: suggestion.reason })}</p>}
      {open && stale && (
        <p class="badge warn" id={`stale-${id}`} data-testid="stale">
          {t('rev.stale')}
        </p>
      )}
      {!open && suggestion.decision && (
        <p class={`decision ${suggestion.status}`} data-testid="decision">
          {suggestion.status === 'accepted'
            ? t('rev.acceptedBy', { name: who(suggestion.decider), at: when(suggestion.decision.at) })
            : t('rev.rejectedBy', { name: who(suggestion.decider), at: when(suggestion.decision.at) })}
          {suggestion.decision.reason && (
            <>
              {' '}
              <span class="reason">{t('rev.because', { reason: suggestion.decision.reason })}</span>
            </>
          )}
        </p>
      )}
      {open && review.may.decide && (
        <>
          <div class="buttons">
            <button type="button" data-action="accept" disabled={stale || action.busy} aria-describedby={stale ? `stale-${id}` : undefined} onClick={() => void decide('accept', '')}>
              {t('rev.accept')}
            </button>
            <button type="button" class="secondary" data-action="reject" disabled={action.busy} onClick={() => setRejecting(rejecting === 'one' ? null : 'one')} aria-expanded={rejecting === 'one'}>
              {t('rev.reject')}
            </button>
          </div>
          {theirs.length > 1 && (
            <div class="buttons all-of">
              <span class="muted">{t('rev.allOf', { name: suggestion.author.name, n: theirs.length })}</span>
              <button type="button" class="link" data-action="accept-all" disabled={action.busy} onClick={() => void decideAll('accept', '')}>
                {t('rev.acceptAll')}
              </button>
              <button type="button" class="link" data-action="reject-all" disabled={action.busy} onClick={() => setRejecting(rejecting === 'all' ? null : 'all')} aria-expanded={rejecting === 'all'}>
                {t('rev.rejectAll')}
              </button>
            </div>
          )}
          {rejecting && (
            <div class="writer">
              <label for={reasonId}>{rejecting === 'one' ? t('rev.rejectWhy') : t('rev.rejectAllWhy', { name: suggestion.author.name })}</label>
              <textarea id={reasonId} rows={2} required aria-required="true" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
              <div class="buttons">
                <button
                  type="button"
                  data-action="confirm-reject"
                  disabled={!reason.trim() || action.busy}
                  onClick={() => void (rejecting === 'one' ? decide('reject', reason.trim()) : decideAll('reject', reason.trim()))}
                >
                  {t('rev.confirmReject')}
                </button>
                <button type="button" class="secondary" data-action="cancel" onClick={() => setRejecting(null)}>
                  {t('rev.cancel')}
                </button>
              </div>
            </div>
          )}
        </>
      )}
      <ActionResult action={action} />
    </article>
  )
}

/** Open comments and suggestions of a column, for its heading: "2 comments, 1 suggestion". */
