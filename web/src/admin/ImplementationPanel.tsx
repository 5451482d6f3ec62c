// Opening the implementation period once the plan is final.
import { api, type Plan } from '../api'
import { formatDate, t } from '../i18n'
import { ActionResult, useAction } from '../ui/forms'

export function ImplementationPanel({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const action = useAction()
  if (plan.stage !== 'final' && plan.stage !== 'implementation') return null
  return (
    <section class="panel" aria-labelledby="implementation-heading">
      <h2 id="implementation-heading">{t('admin.implementation')}</h2>
      {plan.implementation ? (
        <p>{t('admin.implementationOpen', { date: formatDate(plan.implementation.opened_at) })}</p>
      ) : (
        <p>
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await api.post(`/api/plans/${encodeURIComponent(plan.id)}/implementation`, {})
                onChange()
              })
            }
          >
            {t('admin.openImplementation')}
          </button>
        </p>
      )}
      <ActionResult action={action} />
    </section>
  )
}
