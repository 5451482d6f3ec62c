// Reasoned responses to public input (OGP co-creation standard 4.1).
import { api, type Input, type Plan } from '../api'
import { t } from '../i18n'
import type { Key } from '../messages'
import { formatMoment } from '../ui/consultation'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { InputList, targetName } from '../pages/Public'

const STATUSES = ['accepted', 'partly', 'not_accepted', 'out_of_scope'] as const

/** What the input is about and who sent it when: the responder needs all of it. */
function InputHeading({ input, plan }: { input: Input; plan: Plan }) {
  const commitment = plan.commitments.find((c) => c.id === input.commitment_id)
  const sender = [input.name || t('pub.anonymous'), input.organisation].filter(Boolean).join(', ')
  return (
    <p class="muted" data-testid="input-heading">
      {t('admin.inputOn', {
        commitment: commitment ? `${commitment.number}. ${commitment.title}` : input.commitment_id,
        target: targetName(input),
      })}
      <br />
      {t('admin.sentBy', { name: sender, at: formatMoment(input.submitted_at) })}
      {input.channel === 'face_to_face' && ` (${t('pub.faceToFace')})`}
    </p>
  )
}

function HideForm({ input, onDone }: { input: Input; onDone: () => void }) {
  const action = useAction()
  return (
    <details class="hide-input">
      <summary>{t('admin.hide')}</summary>
      <form
        aria-label={`${t('admin.hide')}: ${input.text.slice(0, 60)}`}
        onSubmit={(event) => {
          event.preventDefault()
          const values = formValues(event.currentTarget)
          void action.run(async () => {
            await api.post(`/api/inputs/${encodeURIComponent(input.id)}/hide`, { reason: values.reason ?? '' })
            onDone()
          })
        }}
      >
        <Field label={t('admin.hideReason')} name="reason" type="textarea" required />
        <ActionResult action={action} />
        <SubmitButton action={action} label={t('admin.hide')} />
      </form>
    </details>
  )
}

function RespondForm({ input, plan, onDone }: { input: Input; plan: Plan; onDone: () => void }) {
  const action = useAction()
  return (
    <form
      class="respond"
      aria-label={`${t('admin.respond')}: ${input.text.slice(0, 60)}`}
      onSubmit={(event) => {
        event.preventDefault()
        const values = formValues(event.currentTarget)
        void action.run(async () => {
          await api.post(`/api/inputs/${encodeURIComponent(input.id)}/responses`, { status: values.status, reason: values.reason ?? '' })
          onDone()
        })
      }}
    >
      <InputHeading input={input} plan={plan} />
      <blockquote>{input.text}</blockquote>
      {input.hidden && <p class="badge warn">{t('pub.hidden', { reason: input.hidden.reason })}</p>}
      {input.contact && <p class="muted">{t('admin.contactOf', { contact: input.contact })}</p>}
      <Field label={t('admin.status')} name="status" required>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`response.${s}` as Key)}
          </option>
        ))}
      </Field>
      <Field label={t('admin.reason')} name="reason" type="textarea" required />
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('admin.respond')} />
    </form>
  )
}

export function ResponsesPanel({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const [inputs, reload] = useLoad(() => api.get<{ inputs: Input[] }>(`/api/plans/${encodeURIComponent(plan.id)}/inputs`), [plan.id])
  return (
    <section class="panel" aria-labelledby="responses-heading">
      <h2 id="responses-heading">{t('admin.responses')}</h2>
      <Loading state={inputs}>
        {({ inputs: list }) => (
          <>
            {list
              .filter((i) => i.status === 'open')
              .map((i) => (
                <div key={i.id} class="awaiting-input">
                  <RespondForm
                    input={i}
                    plan={plan}
                    onDone={() => {
                      reload()
                      onChange()
                    }}
                  />
                  {!i.hidden && <HideForm input={i} onDone={reload} />}
                </div>
              ))}
            <InputList inputs={list.filter((i) => i.status !== 'open')} />
          </>
        )}
      </Loading>
    </section>
  )
}
