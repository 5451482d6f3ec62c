// Working groups with their members and joining criteria, and new commitments in them.
import { api, type Plan, type WorkingGroup } from '../api'
import { t } from '../i18n'
import type { Key } from '../messages'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { useOrganisations } from './PeoplePanel'
import { fieldLabel } from '../collab/template'

const CRITERIA = ['focus', 'research', 'plans', 'experts'] as const

function AddMember({ group, onDone }: { group: WorkingGroup; onDone: () => void }) {
  const [orgs] = useOrganisations()
  const action = useAction()
  return (
    <details>
      <summary>{t('admin.addMember')}</summary>
      <Loading state={orgs}>
        {({ organisations }) => (
          <form
            onSubmit={(event) => {
              event.preventDefault()
              const form = event.currentTarget
              const values = formValues(form)
              const criteria = Object.fromEntries(CRITERIA.filter((c) => values[c]).map((c) => [c, values[c]]))
              void action.run(async () => {
                await api.post(`/api/working-groups/${encodeURIComponent(group.id)}/members`, { org_id: values.org_id, criteria })
                form.reset()
                onDone()
                return t('admin.created')
              })
            }}
          >
            <Field label={t('admin.org')} name="org_id" required>
              {organisations
                .filter((o) => ['cso', 'kldi', 'secretariat'].includes(o.stakeholder))
                .map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
            </Field>
            <fieldset>
              <legend>{t('admin.criteria')}</legend>
              {CRITERIA.map((c) => (
                <Field key={c} label={t(`criteria.${c}` as Key)} name={c} />
              ))}
            </fieldset>
            <ActionResult action={action} />
            <SubmitButton action={action} label={t('admin.addMember')} />
          </form>
        )}
      </Loading>
    </details>
  )
}

export function GroupsPanel({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const [groups, reload] = useLoad(() => api.get<{ working_groups: WorkingGroup[] }>(`/api/working-groups?plan_id=${encodeURIComponent(plan.id)}`), [plan.id])
  const addGroup = useAction()
  const addCommitment = useAction()
  return (
    <section class="panel" aria-labelledby="groups-admin-heading">
      <h2 id="groups-admin-heading">{t('admin.groups')}</h2>
      <Loading state={groups}>
        {({ working_groups }) => (
          <>
            {working_groups.map((group) => (
              <article key={group.id} class="group">
                <h3>{group.theme}</h3>
                {group.description && <p>{group.description}</p>}
                <ul>
                  {group.members.map((m, i) => (
                    <li key={i}>
                      <strong>{m.org_name}</strong>
                      <ul class="muted">
                        {Object.entries(m.criteria).map(([c, why]) => (
                          <li key={c}>
                            {t(`criteria.${c}` as Key)}: {why}
                          </li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
                <p class="muted">
                  {t('dash.commitments')}: {plan.commitments.filter((c) => c.working_group_id === group.id).map((c) => `${c.number}. ${c.title}`).join('; ') || '–'}
                </p>
                <AddMember group={group} onDone={reload} />
              </article>
            ))}
            <div class="forms">
              <form
                onSubmit={(event) => {
                  event.preventDefault()
                  const form = event.currentTarget
                  void addGroup.run(async () => {
                    await api.post('/api/working-groups', { ...formValues(form), plan_id: plan.id })
                    form.reset()
                    reload()
                    return t('admin.created')
                  })
                }}
              >
                <h3>{t('admin.addGroup')}</h3>
                <Field label={t('admin.theme')} name="theme" required />
                <Field label={t('admin.description')} name="description" type="textarea" rows={2} />
                <ActionResult action={addGroup} />
                <SubmitButton action={addGroup} label={t('admin.addGroup')} />
              </form>
              {working_groups.length > 0 && (
                <form
                  onSubmit={(event) => {
                    event.preventDefault()
                    const form = event.currentTarget
                    void addCommitment.run(async () => {
                      await api.post('/api/commitments', { ...formValues(form), plan_id: plan.id })
                      form.reset()
                      onChange()
                      return t('admin.created')
                    })
                  }}
                >
                  <h3>{t('admin.commitment')}</h3>
                  <Field label={t('dash.groups')} name="working_group_id" required>
                    {working_groups.map((g) => (
                      <option key={g.id} value={g.id}>
                        {g.theme}
                      </option>
                    ))}
                  </Field>
                  <Field label={t('admin.number')} name="number" />
                  <Field label={fieldLabel('title')} name="title" required />
                  <ActionResult action={addCommitment} />
                  <SubmitButton action={addCommitment} label={t('admin.addCommitment')} />
                </form>
              )}
            </div>
          </>
        )}
      </Loading>
    </section>
  )
}
