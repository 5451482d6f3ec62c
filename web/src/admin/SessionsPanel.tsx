// Co-creation sessions: open, attendance, minutes, close.
import { api, type Plan, type Session } from '../api'
import { formatDate, t } from '../i18n'
import type { Key } from '../messages'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { useOrganisations } from './PeoplePanel'

const METHODS = ['FD', 'IW', 'TC', 'PC', 'PCD'] as const

function SessionItem({ session, onChange }: { session: Session; onChange: () => void }) {
  const [orgs] = useOrganisations()
  const action = useAction()
  const path = `/api/sessions/${encodeURIComponent(session.id)}`
  const attending = new Set(session.attendance.map((a) => a.org_id))
  return (
    <article class="session" data-session={session.id}>
      <h3>
        {session.title}{' '}
        <span class="muted">
          ({t(`method.${session.method}` as Key)}, {formatDate(session.date)}, {session.open ? t('admin.sessionOpen') : t('admin.sessionClosed')})
        </span>
      </h3>
      {session.open ? (
        <>
          <Loading state={orgs}>
            {({ organisations }) => (
              <form
                onSubmit={(event) => {
                  event.preventDefault()
                  const data = new FormData(event.currentTarget)
                  void action.run(async () => {
                    await api.post(`${path}/attendance`, { org_ids: data.getAll('org').map(String) })
                    onChange()
                    return t('admin.created')
                  })
                }}
              >
                <fieldset>
                  <legend>{t('admin.attendance')}</legend>
                  {organisations
                    .filter((o) => o.stakeholder !== 'public')
                    .map((o) => (
                      <label class="check" key={o.id}>
                        <input type="checkbox" name="org" value={o.id} defaultChecked={attending.has(o.id)} /> {o.name}
                      </label>
                    ))}
                </fieldset>
                <SubmitButton action={action} label={t('admin.saveAttendance')} />
              </form>
            )}
          </Loading>
          <form
            onSubmit={(event) => {
              event.preventDefault()
              const values = formValues(event.currentTarget)
              void action.run(async () => {
                await api.post(`${path}/minutes`, { minutes: values.minutes ?? '' })
                onChange()
                return t('admin.created')
              })
            }}
          >
            <Field label={t('admin.minutes')} name="minutes" type="textarea" value={session.minutes} />
            <SubmitButton action={action} label={t('admin.saveMinutes')} />
          </form>
          <p>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                void action.run(async () => {
                  await api.post(`${path}/close`, {})
                  onChange()
                })
              }
            >
              {t('admin.closeSession')}
            </button>
          </p>
        </>
      ) : (
        <>
          <p>
            {t('admin.attendance')}: {session.attendance.map((a) => a.org_name).join(', ') || '–'}
          </p>
          {session.minutes && <p class="minutes">{session.minutes}</p>}
        </>
      )}
      <ActionResult action={action} />
    </article>
  )
}

export function SessionsPanel({ plan }: { plan: Plan }) {
  const [sessions, reload] = useLoad(() => api.get<{ sessions: Session[] }>(`/api/sessions?plan_id=${encodeURIComponent(plan.id)}`), [plan.id])
  const open = useAction()
  return (
    <section class="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">{t('admin.sessions')}</h2>
      <Loading state={sessions}>
        {({ sessions: list }) => (
          <>
            {list.map((s) => (
              <SessionItem key={s.id} session={s} onChange={reload} />
            ))}
          </>
        )}
      </Loading>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          const form = event.currentTarget
          void open.run(async () => {
            await api.post('/api/sessions', { ...formValues(form), plan_id: plan.id })
            form.reset()
            reload()
            return t('admin.created')
          })
        }}
      >
        <h3>{t('admin.openSession')}</h3>
        <div class="grid">
          <Field label={t('admin.method')} name="method" required>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {t(`method.${m}` as Key)}
              </option>
            ))}
          </Field>
          <Field label={t('admin.date')} name="date" type="date" required />
          <Field label={t('admin.sessionTitle')} name="title" required />
        </div>
        <ActionResult action={open} />
        <SubmitButton action={open} label={t('admin.openSession')} />
      </form>
    </section>
  )
}
