// Organisations, people and their invitation links.
import { useState } from 'preact/hooks'
import { api } from '../api'
import { t } from '../i18n'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { roleLabel } from '../ui/Header'

export interface Organisation {
  id: string
  name: string
  stakeholder: string
}

interface Person {
  id: string
  name: string
  org_name: string
  stakeholder: string | null
  active: boolean
  contact?: string | null
}

const ORG_TYPES = ['cso', 'kldi', 'secretariat', 'auditor', 'public']

export function useOrganisations() {
  return useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations'), [])
}

function InvitationLink({ name, url }: { name: string; url: string }) {
  return (
    <p class="invitation" role="status">
      {t('admin.link', { name })} <input readOnly value={url} aria-label={t('admin.link', { name })} onFocus={(e) => e.currentTarget.select()} />
    </p>
  )
}

export function PeoplePanel() {
  const [orgs, reloadOrgs] = useOrganisations()
  const [people, reloadPeople] = useLoad(() => api.get<{ people: Person[] }>('/api/people'), [])
  const addOrg = useAction()
  const invite = useAction()
  const row = useAction()
  const [link, setLink] = useState<{ name: string; url: string } | null>(null)
  return (
    <section class="panel" aria-labelledby="people-heading">
      <h2 id="people-heading">{t('admin.people')}</h2>
      <Loading state={people}>
        {({ people: list }) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('admin.personName')}</th>
                  <th scope="col">{t('admin.org')}</th>
                  <th scope="col">{t('admin.contact')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('admin.invite')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.id}>
                    <td>
                      {p.name} {!p.active && <span class="badge warn">{t('admin.inactive')}</span>}
                    </td>
                    <td>
                      {p.org_name} <span class="muted">({p.stakeholder ? roleLabel(p.stakeholder) : ''})</span>
                    </td>
                    <td>{p.contact ?? ''}</td>
                    <td class="actions">
                      {p.active && (
                        <>
                          <button
                            type="button"
                            class="link"
                            onClick={() =>
                              void row.run(async () => {
                                const made = await api.post<{ invitation_url: string }>(`/api/people/${encodeURIComponent(p.id)}/invitations`, {})
                                setLink({ name: p.name, url: made.invitation_url })
                              })
                            }
                          >
                            {t('admin.reissue')}
                            <span class="visually-hidden"> {p.name}</span>
                          </button>
                          <button
                            type="button"
                            class="link danger"
                            onClick={() => {
                              const reason = window.prompt(t('admin.deactivateReason', { name: p.name }))
                              if (reason === null) return
                              void row.run(async () => {
                                await api.post(`/api/people/${encodeURIComponent(p.id)}/deactivate`, { reason })
                                reloadPeople()
                              })
                            }}
                          >
                            {t('admin.deactivate')}
                            <span class="visually-hidden"> {p.name}</span>
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loading>
      <ActionResult action={row} />
      {link && <InvitationLink {...link} />}
      <Loading state={orgs}>
        {({ organisations }) => (
          <div class="forms">
            <form
              onSubmit={(event) => {
                event.preventDefault()
                const form = event.currentTarget
                const values = formValues(form)
                void invite.run(async () => {
                  const made = await api.post<{ invitation_url: string }>('/api/people', values)
                  setLink({ name: values.name ?? '', url: made.invitation_url })
                  form.reset()
                  reloadPeople()
                })
              }}
            >
              <h3>{t('admin.invite')}</h3>
              <Field label={t('admin.personName')} name="name" required />
              <Field label={t('admin.org')} name="org_id" required>
                {organisations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </Field>
              <Field label={t('admin.contact')} name="contact" />
              <ActionResult action={invite} />
              <SubmitButton action={invite} label={t('admin.invite')} />
            </form>
            <form
              onSubmit={(event) => {
                event.preventDefault()
                const form = event.currentTarget
                void addOrg.run(async () => {
                  await api.post('/api/organisations', formValues(form))
                  form.reset()
                  reloadOrgs()
                  return t('admin.created')
                })
              }}
            >
              <h3>{t('admin.addOrg')}</h3>
              <Field label={t('admin.orgName')} name="name" required />
              <Field label={t('admin.stakeholder')} name="stakeholder" required>
                {ORG_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {roleLabel(type)}
                  </option>
                ))}
              </Field>
              <ActionResult action={addOrg} />
              <SubmitButton action={addOrg} label={t('admin.addOrg')} />
            </form>
          </div>
        )}
      </Loading>
    </section>
  )
}
