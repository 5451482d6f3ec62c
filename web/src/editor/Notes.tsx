// The column beside a part of the template: its comment threads and the suggestions on its text.
// Everything listed here comes from the document's `review` root as the server wrote it; the
// buttons only call the API, and the result shows up when the server has logged it.
import { useEffect, useRef, useState } from 'preact/hooks'
import { bodyParts, type Author, type Comment, type Suggestion } from '../collab/review'
import { CONTACT_FIELDS, fieldLabel, stakeholderColor } from '../collab/template'
import { formatDate, t } from '../i18n'
import { ActionResult, useAction } from '../ui/forms'
import { stageName } from '../ui/stages'
import { inColumn, useReview, useSectionLive, type MentionTarget, type Review } from './review'
import { mentionToken } from '../collab/review'
import type { SectionReview } from './reviewPlugin'

function who(author: Author | null): string {
  if (!author) return ''
  return author.organisation ? `${author.name} (${author.organisation})` : author.name
}

function when(iso: string | null | undefined): string {
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

function Body({ text }: { text: string }) {
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

function Byline({ author, at, edited, extra }: { author: Author; at: string; edited: string | null; extra?: string }) {
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
function Writer(props: { review: Review; label: string; initial?: string; submit: string; onSubmit: (body: string) => Promise<unknown>; onCancel: () => void }) {
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

function Thread({ review, comment, controller }: { review: Review; comment: Comment; controller: SectionReview | null }) {
  const [mode, setMode] = useState<'read' | 'reply' | 'edit' | { reply: string }>('read')
  const status = useAction()
  const me = review.me.person_id
  const live = controller?.live.get(comment.id)
  const deleted = live ? live.deleted : comment.on_deleted_text
  const place = targetLabel(comment.section)
  const headingId = `thread-${comment.id}-heading`
  return (
    <article
      class={`thread${comment.status === 'resolved' ? ' resolved' : ''}`}
      id={`thread-${comment.id}`}
      tabIndex={-1}
      aria-labelledby={headingId}
      data-comment-id={comment.id}
      data-status={comment.status}
      data-deleted={deleted ? 'true' : 'false'}
    >
      <h4 id={headingId} class="visually-hidden">
        {t('rev.threadBy', { name: comment.author.name })}
      </h4>
      {place && <p class="place">{place}</p>}
      {deleted && (
        <p class="badge warn" data-testid="on-deleted">
          {t('rev.onDeleted')}
        </p>
      )}
      {comment.quote && (
        <blockquote class={deleted ? 'quote gone' : 'quote'}>
          <span class="visually-hidden">{t('rev.quoted')} </span>
          {comment.quote}
        </blockquote>
      )}
      <Byline author={comment.author} at={comment.created_at} edited={comment.edited_at} extra={comment.stage ? stageName(comment.stage) : undefined} />
      {mode === 'edit' ? (
        <Writer
          review={review}
          label={t('rev.editLabel')}
          initial={comment.body}
          submit={t('rev.save')}
          onSubmit={(body) => review.api.editComment(comment.id, body)}
          onCancel={() => setMode('read')}
        />
      ) : (
        <Body text={comment.body} />
      )}
      {comment.replies.length > 0 && (
        <ol class="replies" aria-label={t('rev.replies', { n: comment.replies.length })}>
          {comment.replies.map((reply) => (
            <li key={reply.id} data-reply-id={reply.id}>
              <Byline author={reply.author} at={reply.created_at} edited={reply.edited_at} />
              {typeof mode === 'object' && mode.reply === reply.id ? (
                <Writer
                  review={review}
                  label={t('rev.editLabel')}
                  initial={reply.body}
                  submit={t('rev.save')}
                  onSubmit={(body) => review.api.editReply(comment.id, reply.id, body)}
                  onCancel={() => setMode('read')}
                />
              ) : (
                <>
                  <Body text={reply.body} />
                  {reply.author.person_id === me && review.may.comment && (
                    <button type="button" class="link" data-action="edit-reply" onClick={() => setMode({ reply: reply.id })}>
                      {t('rev.edit')}
                    </button>
                  )}
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {mode === 'reply' && (
        <Writer
          review={review}
          label={t('rev.replyLabel', { name: comment.author.name })}
          submit={t('rev.sendReply')}
          onSubmit={(body) => review.api.reply(comment.id, body)}
          onCancel={() => setMode('read')}
        />
      )}
      {mode === 'read' && review.may.comment && (
        <div class="buttons">
          <button type="button" class="link" data-action="reply" onClick={() => setMode('reply')}>
            {t('rev.reply')}
          </button>
          {comment.author.person_id === me && (
            <button type="button" class="link" data-action="edit" onClick={() => setMode('edit')}>
              {t('rev.edit')}
            </button>
          )}
          <button
            type="button"
            class="link"
            data-action={comment.status === 'open' ? 'resolve' : 'reopen'}
            disabled={status.busy}
            onClick={() => void status.run(() => review.api.setStatus(comment.id, comment.status === 'open' ? 'resolved' : 'open').then(() => undefined))}
          >
            {comment.status === 'open' ? t('rev.resolve') : t('rev.reopen')}
          </button>
        </div>
      )}
      <ActionResult action={status} />
    </article>
  )
}

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

function SuggestionCard({ review, suggestion, controller }: { review: Review; suggestion: Suggestion; controller: SectionReview | null }) {
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
