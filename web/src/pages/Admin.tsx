// Secretariat admin: the plan, its stage, people and invitations, working groups, sessions
// and responses to public input. The server checks every request; this page only gathers them.
import { ConsultationPanel } from '../admin/ConsultationPanel'
// Secretariat admin: the plan, its stage, people and invitations, working groups, the forum and
// its gate rules, sessions and responses to public input. The server checks every request; this page only gathers them.
import { ForumPanel } from '../admin/ForumPanel'
import { GroupsPanel } from '../admin/GroupsPanel'
import { ImplementationPanel } from '../admin/ImplementationPanel'
import { PeoplePanel } from '../admin/PeoplePanel'
import { ResponsesPanel } from '../admin/ResponsesPanel'
import { SessionsPanel } from '../admin/SessionsPanel'
import { StagePanel } from '../admin/StagePanel'
import { api, type Plan } from '../api'
import { t, useLang } from '../i18n'
import { useMe } from '../session'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'

function CreatePlan({ onDone }: { onDone: () => void }) {
  const action = useAction()
  return (
    <form
      class="panel"
      onSubmit={(event) => {
        event.preventDefault()
        const values = formValues(event.currentTarget)
        void action.run(async () => {
          await api.post('/api/plans', values)
          onDone()
        })
      }}
    >
      <h2>{t('admin.createPlan')}</h2>
      <Field label={t('admin.planTitle')} name="title" required />
      <Field label={t('admin.period')} name="period" />
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('admin.createPlan')} />
    </form>
  )
}

export default function Admin() {
  useLang()
  useTitle(t('nav.admin'))
  const me = useMe()
  const [plans, reload] = useLoad(() => api.get<{ plans: Plan[] }>('/api/plans'), [])
  if (me?.stakeholder !== 'secretariat') return <p role="alert">{t('admin.only')}</p>
  return (
    <div class="admin">
      <h1>{t('admin.title')}</h1>
      <Loading state={plans}>
        {({ plans: list }) => (
          <>
            {list.length === 0 && <CreatePlan onDone={reload} />}
            {list.map((plan) => (
              <div key={plan.id} class="admin-plan">
                <h2 class="plan-title">
                  {t('admin.plan')}: {plan.title}
                </h2>
                <div class="dash-grid">
                  <StagePanel plan={plan} onChange={reload} />
                  <ResponsesPanel plan={plan} onChange={reload} />
                  <ConsultationPanel plan={plan} onChange={reload} />
                  <ImplementationPanel plan={plan} onChange={reload} />
                  <div class="wide">
                    <GroupsPanel plan={plan} onChange={reload} />
                  </div>
                  <div class="wide">
                    <ForumPanel plan={plan} />
                  </div>
                  <div class="wide">
                    <PeoplePanel />
                  </div>
                  <div class="wide">
                    <SessionsPanel plan={plan} />
                  </div>
                </div>
              </div>
            ))}
          </>
        )}
      </Loading>
    </div>
  )
}
