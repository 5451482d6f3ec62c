// The consultation's dates announced in advance, and input gathered face to face (a PC
// session) entered from a CSV file.
import { api, type Input, type Plan, type Session } from '../api'
import { t } from '../i18n'
import { ConsultationState, withOffset } from '../ui/consultation'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'

function WindowForm({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const action = useAction()
  return (
    <form
      aria-label={t('admin.window')}
      onSubmit={(event) => {
        event.preventDefault()
        const values = formValues(event.currentTarget)
        void action.run(async () => {
          await api.post(`/api/plans/${encodeURIComponent(plan.id)}/consultation`, {
            opens: withOffset(values.opens ?? ''),
            closes: withOffset(values.closes ?? ''),
          })
          onChange()
          return t('admin.announced')
        })
      }}
    >
      <h3>{t('admin.window')}</h3>
      <div class="grid">
        <Field label={t('admin.opens')} name="opens" type="datetime-local" required />
        <Field label={t('admin.closes')} name="closes" type="datetime-local" required />
      </div>
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('admin.announce')} />
    </form>
  )
}

function FaceToFace({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const action = useAction()
  const [sessions] = useLoad(() => api.get<{ sessions: Session[] }>(`/api/sessions?plan_id=${encodeURIComponent(plan.id)}`), [plan.id])
  return (
    <Loading state={sessions}>
      {({ sessions: list }) => {
        const pc = list.filter((s) => s.method === 'PC')
        if (pc.length === 0) return <p class="muted">{t('admin.noPcSession')}</p>
        return (
          <form
            aria-label={t('admin.faceToFace')}
            onSubmit={(event) => {
              event.preventDefault()
              const form = event.currentTarget
              const file = (form.elements.namedItem('csv') as HTMLInputElement).files?.[0]
              const values = formValues(form)
              void action.run(async () => {
                const csv = file ? await file.text() : ''
                const result = await api.post<{ inputs: Input[] }>(`/api/plans/${encodeURIComponent(plan.id)}/inputs`, {
                  session_id: values.session_id,
                  csv,
                })
                form.reset()
                onChange()
                return t('admin.imported', { count: result.inputs.length })
              })
            }}
          >
            <h3>{t('admin.faceToFace')}</h3>
            <Field label={t('admin.pcSession')} name="session_id" required>
              {pc.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.title} ({s.date})
                </option>
              ))}
            </Field>
            <Field label={t('admin.csvFile')} name="csv" type="file" required help={t('admin.csvHelp')} />
            <ActionResult action={action} />
            <SubmitButton action={action} label={t('admin.import')} />
          </form>
        )
      }}
    </Loading>
  )
}

export function ConsultationPanel({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const adopted = plan.stage === 'final' || plan.stage === 'implementation'
  return (
    <section class="panel" aria-labelledby="consultation-heading">
      <h2 id="consultation-heading">{t('dash.consultation')}</h2>
      <ConsultationState plan={plan} />
      {!adopted && <WindowForm plan={plan} onChange={onChange} />}
      {plan.stage === 'draft4' && <FaceToFace plan={plan} onChange={onChange} />}
    </section>
  )
}
