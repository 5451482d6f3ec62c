// The multi-stakeholder forum (OGP standard 1), the stage-gate rules and each commitment's lead
// agencies: the Secretariat manages them here; every change is an event in the plan's log.
import { useState } from 'preact/hooks'
import { api, type Plan, type Stakeholder } from '../api'
import { t } from '../i18n'
import type { Key } from '../messages'
import { ActionResult, SubmitButton, useAction, useFieldId } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { stageName } from '../ui/stages'

interface Person {
  id: string
  name: string
  org_name: string
  stakeholder: Stakeholder | null
  active: boolean
}

interface Organisation {
  id: string
  name: string
  stakeholder: Stakeholder
}

interface Gates {
  gates: Record<string, string[]>
  forum_rule: { min_government: number; min_civil_society: number }
  lead_organisations: Record<string, string[]>
}

interface Forum {
  members: { person_id: string; name: string; org_name: string; stakeholder: Stakeholder | null }[]
  removed: { person_id: string; reason: string; at: string }[]
  gates: Gates
}

const GATE_STAGES = ['setup', 'draft1', 'draft2', 'draft3', 'draft4'] as const
const REQUIREMENTS = ['lead_agency', 'forum'] as const

function Members({ plan, forum, people, onChange }: { plan: Plan; forum: Forum; people: Person[]; onChange: () => void }) {
  const add = useAction()
  const remove = useAction()
  const [removing, setRemoving] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const selectId = useFieldId('forum-person')
  const reasonId = useFieldId('forum-reason')
  const base = `/api/plans/${encodeURIComponent(plan.id)}/forum`
  const members = new Set(forum.members.map((m) => m.person_id))
  const candidates = people.filter((p) => p.active && !members.has(p.id) && (p.stakeholder === 'cso' || p.stakeholder === 'kldi' || p.stakeholder === 'secretariat'))
  return (
    <>
      <h3>{t('forum.members')}</h3>
      {forum.members.length === 0 ? (
        <p class="muted">{t('forum.empty')}</p>
      ) : (
        <ul data-testid="forum-members">
          {forum.members.map((m) => (
            <li key={m.person_id}>
              {m.name} ({m.org_name}, {t(`role.${m.stakeholder ?? 'system'}` as Key)}){' '}
              <button type="button" class="secondary" onClick={() => setRemoving(m.person_id)}>
                {t('forum.remove')}
              </button>
              {removing === m.person_id && (
                <form
                  onSubmit={(event) => {
                    event.preventDefault()
                    void remove
                      .run(async () => {
                        await api.post(`${base}/${encodeURIComponent(m.person_id)}/removal`, { reason })
                      })
                      .then((ok) => {
                        if (ok) {
                          setRemoving(null)
                          setReason('')
                          onChange()
                        }
                      })
                  }}
                >
                  <label for={reasonId}>{t('forum.removeReason', { name: m.name })}</label>
                  <input id={reasonId} required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                  <SubmitButton action={remove} label={t('forum.remove')} />
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      <ActionResult action={remove} />
      {forum.removed.length > 0 && (
        <details>
          <summary>{t('forum.removed', { count: forum.removed.length })}</summary>
          <ul>
            {forum.removed.map((r, i) => (
              <li key={i}>
                {people.find((p) => p.id === r.person_id)?.name ?? r.person_id}: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          const person = new FormData(event.currentTarget).get('person_id')
          void add
            .run(async () => {
              await api.post(base, { person_id: String(person ?? '') })
            })
            .then((ok) => ok && onChange())
        }}
      >
        <label for={selectId}>{t('forum.add')}</label>
        <select id={selectId} name="person_id" required>
          {candidates.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.org_name})
            </option>
          ))}
        </select>
        <SubmitButton action={add} label={t('forum.addButton')} />
        <ActionResult action={add} />
      </form>
    </>
  )
}

function GateRules({ plan, gates, onChange }: { plan: Plan; gates: Gates; onChange: () => void }) {
  const action = useAction()
  const govId = useFieldId('forum-gov')
  const csoId = useFieldId('forum-cso')
  return (
    <form
      data-testid="gate-rules"
      onSubmit={(event) => {
        event.preventDefault()
        const data = new FormData(event.currentTarget)
        const body: Record<string, unknown> = {}
        for (const stage of GATE_STAGES) body[stage] = REQUIREMENTS.filter((r) => data.get(`${stage}.${r}`) === 'on')
        body.forum_rule = {
          min_government: Number(data.get('min_government') ?? 1),
          min_civil_society: Number(data.get('min_civil_society') ?? 1),
        }
        void action
          .run(async () => {
            await api.put(`/api/plans/${encodeURIComponent(plan.id)}/gates`, body)
            return t('admin.created')
          })
          .then((ok) => ok && onChange())
      }}
    >
      <h3>{t('forum.gates')}</h3>
      <p class="help">{t('forum.gatesHelp')}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('forum.leaving')}</th>
            {REQUIREMENTS.map((r) => (
              <th key={r} scope="col">
                {t(`forum.req.${r}` as Key)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {GATE_STAGES.map((stage) => (
            <tr key={stage}>
              <th scope="row">{stageName(stage)}</th>
              {REQUIREMENTS.map((r) => (
                <td key={r}>
                  <input
                    type="checkbox"
                    name={`${stage}.${r}`}
                    aria-label={`${stageName(stage)}: ${t(`forum.req.${r}` as Key)}`}
                    checked={(gates.gates[stage] ?? []).includes(r)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="help">{t('forum.ruleHelp')}</p>
      <label for={govId}>{t('forum.minGov')}</label>
      <input id={govId} name="min_government" type="number" min={0} value={gates.forum_rule.min_government} />
      <label for={csoId}>{t('forum.minCso')}</label>
      <input id={csoId} name="min_civil_society" type="number" min={0} value={gates.forum_rule.min_civil_society} />
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('forum.saveGates')} />
    </form>
  )
}

function LeadAgencies({ plan, gates, orgs, onChange }: { plan: Plan; gates: Gates; orgs: Organisation[]; onChange: () => void }) {
  const action = useAction()
  const kldi = orgs.filter((o) => o.stakeholder === 'kldi')
  return (
    <>
      <h3>{t('forum.leads')}</h3>
      <p class="help">{t('forum.leadsHelp')}</p>
      {plan.commitments.map((c) => {
        const current = gates.lead_organisations[c.id] ?? []
        return (
          <form
            key={c.id}
            data-commitment={c.id}
            onSubmit={(event) => {
              event.preventDefault()
              const chosen = [...(event.currentTarget.elements.namedItem('org_ids') as HTMLSelectElement).selectedOptions].map((o) => o.value)
              void action
                .run(async () => {
                  await api.put(`/api/commitments/${encodeURIComponent(c.id)}/lead-organisations`, { org_ids: chosen })
                  return t('admin.created')
                })
                .then((ok) => ok && onChange())
            }}
          >
            <label>
              {c.number}. {c.title}
              <select name="org_ids" multiple size={Math.min(4, Math.max(2, kldi.length))}>
                {kldi.map((o) => (
                  <option key={o.id} value={o.id} selected={current.includes(o.id)}>
                    {o.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" class="secondary" disabled={action.busy}>
              {t('forum.saveLeads')}
            </button>
          </form>
        )
      })}
      <ActionResult action={action} />
    </>
  )
}

export function ForumPanel({ plan }: { plan: Plan }) {
  const [forum, reload] = useLoad(() => api.get<Forum>(`/api/plans/${encodeURIComponent(plan.id)}/forum`), [plan.id])
  const [people] = useLoad(() => api.get<{ people: Person[] }>('/api/people'), [])
  const [orgs] = useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations'), [])
  return (
    <section class="panel" aria-labelledby="forum-heading">
      <h2 id="forum-heading">{t('forum.title')}</h2>
      <Loading state={forum}>
        {(f) => (
          <>
            <Loading state={people}>{({ people: list }) => <Members plan={plan} forum={f} people={list} onChange={reload} />}</Loading>
            <GateRules plan={plan} gates={f.gates} onChange={reload} />
            <Loading state={orgs}>{({ organisations }) => <LeadAgencies plan={plan} gates={f.gates} orgs={organisations} onChange={reload} />}</Loading>
          </>
        )}
      </Loading>
    </section>
  )
}
