// The plan dashboard: the stage and its timeline, commitments with their validation status and
// who is editing them, working groups, the open session, public input awaiting a response.
import { useEffect, useState } from 'preact/hooks'
import { api, type Commitment, type Input, type Plan, type Session, type Validation, type WorkingGroup } from '../api'
import type { PresenceUser } from '../collab/connection'
import { watchPresence } from '../collab/presenceWatch'
import { SignOffPanel } from '../forum/SignOffs'
import { formatDate, t, useLang } from '../i18n'
import { useMe } from '../session'
import { Loading } from '../ui/Loading'
import { ConsultationState } from '../ui/consultation'
import { StageTimeline, stageName } from '../ui/stages'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'

function ValidationBadge({ commitment }: { commitment: Commitment }) {
  const [report, setReport] = useState<Validation | null>(null)
  useEffect(() => {
    api.get<Validation>(`/api/commitments/${encodeURIComponent(commitment.id)}/validation`).then(setReport, () => setReport(null))
  }, [commitment.id])
  if (!report) return <span class="muted">…</span>
  if (report.ok) return <span class="badge ok">{t('dash.valid')}</span>
  return <span class="badge warn">{t('dash.issues', { count: report.problems.length })}</span>
}

function Editing({ commitment }: { commitment: Commitment }) {
  const [people, setPeople] = useState<PresenceUser[]>([])
  useEffect(
    () => watchPresence(commitment.document_id, (present) => setPeople([...present.values()])),
    [commitment.document_id],
  )
  if (people.length === 0) return <span class="muted">–</span>
  return (
    <ul class="inline-list">
      {people.map((person, index) => (
        <li key={index}>
          <span class="swatch" style={{ background: person.color }} aria-hidden="true" /> {person.name} ({person.organisation})
        </li>
      ))}
    </ul>
  )
}

function Commitments({ plan }: { plan: Plan }) {
  if (plan.commitments.length === 0) return <p class="muted">–</p>
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{t('dash.commitments')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dash.number')}</th>
            <th scope="col">{t('dash.commitmentTitle')}</th>
            <th scope="col">{t('dash.validation')}</th>
            <th scope="col">{t('dash.online')}</th>
            <th scope="col">{t('dash.history')}</th>
          </tr>
        </thead>
        <tbody>
          {plan.commitments.map((commitment) => (
            <tr key={commitment.id} data-commitment={commitment.id}>
              <td>{commitment.number}</td>
              <td>
                <a href={`/commitments/${encodeURIComponent(commitment.id)}`} data-route>
                  {commitment.title}
                </a>
              </td>
              <td>
                <ValidationBadge commitment={commitment} />
              </td>
              <td>
                <Editing commitment={commitment} />
              </td>
              <td>
                <a href={`/commitments/${encodeURIComponent(commitment.id)}/history`} data-route>
                  {t('dash.history')}
                  <span class="visually-hidden"> {commitment.title}</span>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Groups({ planId }: { planId: string }) {
  const [state] = useLoad(() => api.get<{ working_groups: WorkingGroup[] }>(`/api/working-groups?plan_id=${encodeURIComponent(planId)}`), [planId])
  return (
    <Loading state={state}>
      {({ working_groups }) =>
        working_groups.length === 0 ? (
          <p class="muted">–</p>
        ) : (
          <ul>
            {working_groups.map((group) => (
              <li key={group.id}>
                <strong>{group.theme}</strong>: {group.members.map((m) => m.org_name).join(', ') || '–'}
              </li>
            ))}
          </ul>
        )
      }
    </Loading>
  )
}

function OpenSession({ planId }: { planId: string }) {
  const [state] = useLoad(() => api.get<{ sessions: Session[] }>(`/api/sessions?plan_id=${encodeURIComponent(planId)}`), [planId], 30000)
  return (
    <Loading state={state}>
      {({ sessions }) => {
        const open = sessions.filter((s) => s.open)
        if (open.length === 0) return <p class="muted">{t('dash.noSession')}</p>
        return (
          <ul>
            {open.map((s) => (
              <li key={s.id}>
                <strong>{s.title}</strong> ({s.method.toUpperCase()}, {formatDate(s.date)})
              </li>
            ))}
          </ul>
        )
      }}
    </Loading>
  )
}

function Awaiting({ plan }: { plan: Plan }) {
  const [state] = useLoad(() => api.get<{ inputs: Input[] }>(`/api/plans/${encodeURIComponent(plan.id)}/inputs`), [plan.id], 30000)
  const titles = new Map(plan.commitments.map((c) => [c.id, `${c.number}. ${c.title}`]))
  return (
    <Loading state={state}>
      {({ inputs }) => {
        const open = inputs.filter((i) => i.status === 'open')
        if (open.length === 0) return <p class="muted">0</p>
        return (
          <ul>
            {open.map((i) => (
              <li key={i.id}>
                <span class="muted">{titles.get(i.commitment_id)}:</span> {i.text.length > 140 ? `${i.text.slice(0, 140)}…` : i.text}
              </li>
            ))}
          </ul>
        )
      }}
    </Loading>
  )
}

function PlanView({ plan }: { plan: Plan }) {
  const me = useMe()
  return (
    <article class="plan" aria-labelledby={`plan-${plan.id}`}>
      <h1 id={`plan-${plan.id}`}>
        {plan.title} {plan.period && !plan.title.includes(plan.period) && <span class="muted">({plan.period})</span>}
      </h1>
      <p>
        {t('dash.stage')}: <strong data-testid="stage">{stageName(plan.stage)}</strong>
      </p>
      <StageTimeline plan={plan} />
      <div class="dash-grid">
        <section class="panel wide" aria-labelledby="commitments-heading">
          <h2 id="commitments-heading">{t('dash.commitments')}</h2>
          <Commitments plan={plan} />
        </section>
        <section class="panel" aria-labelledby="groups-heading">
          <h2 id="groups-heading">{t('dash.groups')}</h2>
          <Groups planId={plan.id} />
        </section>
        <section class="panel" aria-labelledby="consultation-heading">
          <h2 id="consultation-heading">{t('dash.consultation')}</h2>
          <ConsultationState plan={plan} />
        </section>
        <section class="panel" aria-labelledby="session-heading">
          <h2 id="session-heading">{t('dash.session')}</h2>
          <OpenSession planId={plan.id} />
        </section>
        {me && me.stakeholder !== 'public' && (
          <div class="wide">
            <SignOffPanel kind="plan" id={plan.id} me={me} />
          </div>
        )}
        {me && me.stakeholder !== 'public' && (
          <section class="panel" aria-labelledby="awaiting-heading">
            <h2 id="awaiting-heading">{t('dash.awaiting')}</h2>
            <Awaiting plan={plan} />
            {me.stakeholder === 'secretariat' && (
              <p>
                <a href="/admin" data-route>
                  {t('admin.responses')}
                </a>
              </p>
            )}
          </section>
        )}
      </div>
    </article>
  )
}

export default function Dashboard() {
  useLang()
  useTitle(t('dash.title'))
  const [state] = useLoad(() => api.get<{ plans: Plan[] }>('/api/plans'), [], 30000)
  return (
    <Loading state={state}>
      {({ plans }) => (plans.length === 0 ? <p>{t('dash.noPlans')}</p> : <>{plans.map((plan) => <PlanView key={plan.id} plan={plan} />)}</>)}
    </Loading>
  )
}
