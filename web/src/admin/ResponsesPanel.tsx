// Reasoned responses to public input (OGP co-creation standard 4.1).
import { api, type Input, type Plan } from '../api'
import { t } from '../i18n'
import type { Key } from '../messages'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { InputList } from '../pages/Public'

const STATUSES = ['accepted', 'partly', 'not_accepted', 'out_of_scope'] as const

function RespondForm({ input, onDone }: { input: Input; onDone: () => void }) {
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
      <blockquote>{input.text}</blockquote>
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
                <RespondForm
                  key={i.id}
                  input={i}
                  onDone={() => {
                    reload()
                    onChange()
                  }}
                />
              ))}
            <InputList inputs={list.filter((i) => i.status !== 'open')} />
          </>
        )}
      </Loading>
    </section>
  )
}
