// A comment thread: the commented text (or "on deleted text"), the comment, its replies, and
// reply / edit own / resolve / reopen, each through the API.
import { useState } from 'preact/hooks'
import type { Comment } from '../collab/review'
import { t } from '../i18n'
import { ActionResult, useAction } from '../ui/forms'
import { stageName } from '../ui/stages'
import { Body, Byline, Writer, targetLabel } from './NoteParts'
import type { Review } from './review'
import type { SectionReview } from './reviewPlugin'

export function Thread({ review, comment, controller }: { review: Review; comment: Comment; controller: SectionReview | null }) {
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
