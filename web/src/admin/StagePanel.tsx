// Stage advance with its checklist, and publishing the draft for the public.
import { useState } from 'preact/hooks'
import { api, type Plan } from '../api'
import { itemText, SignOffLine, type ForumTally, type GateItem, type SignOff } from '../forum/SignOffs'
import { t, lang } from '../i18n'
import { ActionResult, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { StageTimeline, stageName } from '../ui/stages'

interface Warning {
  code: string
  message_id: string
  message_en: string
  blocking?: boolean
}

interface GateReport {
  required: string[]
  ready: boolean
  done: GateItem[]
  missing: GateItem[]
  objections: SignOff[]
  reservations: SignOff[]
  forum: ForumTally | null
}

interface Checklist {
  from: string
  to: string | null
  warnings: Warning[]
  signoffs: GateReport
}

// The sign-offs the gate requires, done and missing; objections and reservations with their texts.
function SignOffGate({ gate }: { gate: GateReport }) {
  if (gate.required.length === 0 && gate.objections.length === 0 && gate.reservations.length === 0) return null
  return (
    <div class="gate" data-testid="signoff-gate" data-ready={gate.ready ? 'yes' : 'no'}>
      <h3>{t('gate.title')}</h3>
      <ul class="gate-items">
        {gate.done.map((item, i) => (
          <li key={`d${i}`} class="ok" data-state="done">
            <span aria-hidden="true">✓ </span>
            {itemText(item)}
          </li>
        ))}
        {gate.missing.map((item, i) => (
          <li key={`m${i}`} class="error" data-state="missing">
            <span aria-hidden="true">✗ </span>
            {itemText(item)}
          </li>
        ))}
      </ul>
      <p class={gate.ready ? 'ok' : 'error'}>{t(gate.ready ? 'gate.ready' : 'gate.notReady')}</p>
      {gate.objections.length > 0 && (
        <>
          <h4>{t('gate.objections')}</h4>
          <ul class="signoff-list">
            {gate.objections.map((item, i) => (
              <SignOffLine key={i} item={item} />
            ))}
          </ul>
        </>
      )}
      {gate.reservations.length > 0 && (
        <>
          <h4>{t('gate.reservations')}</h4>
          <ul class="signoff-list">
            {gate.reservations.map((item, i) => (
              <SignOffLine key={i} item={item} />
            ))}
          </ul>
        </>
      )}
    </div>
  )
}

export function StagePanel({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const [checklist, reload] = useLoad(() => api.get<Checklist>(`/api/plans/${encodeURIComponent(plan.id)}/checklist`), [plan], 10000)
  const [acknowledged, setAcknowledged] = useState(false)
  const [objectionReason, setObjectionReason] = useState('')
  const advance = useAction()
  const publish = useAction()
  return (
    <section class="panel" aria-labelledby="stage-heading">
      <h2 id="stage-heading">{t('admin.stage')}</h2>
      <StageTimeline plan={plan} />
      <Loading state={checklist}>
        {(list) =>
          list.to === null ? null : (
            <>
              <p>{t('admin.next', { stage: stageName(list.to) })}</p>
              {list.warnings.length === 0 ? (
                <p class="ok">{t('admin.noWarnings')}</p>
              ) : (
                <ul class="issues" data-testid="checklist">
                  {list.warnings.map((w, i) => (
                    <li key={i} class={w.blocking ? 'blocking' : undefined}>
                      {lang() === 'en' ? w.message_en : w.message_id}
                      {w.blocking && <strong> ({t('admin.blocking')})</strong>}
                    </li>
                  ))}
                </ul>
              )}
              {list.signoffs && <SignOffGate gate={list.signoffs} />}
              {list.signoffs && list.signoffs.objections.length > 0 && (
                <div class="field">
                  <label for="objection-reason">{t('gate.objectionReason')}</label>
                  <textarea id="objection-reason" rows={2} value={objectionReason} onInput={(e) => setObjectionReason(e.currentTarget.value)} />
                </div>
              )}
              {list.warnings.length > 0 && (
                <label class="check">
                  <input type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.currentTarget.checked)} />
                  {t('admin.acknowledge')}
                </label>
              )}
              <p>
                <button
                  type="button"
                  disabled={
                    advance.busy ||
                    list.warnings.some((w) => w.blocking) ||
                    (list.warnings.length > 0 && !acknowledged) ||
                    (list.signoffs && !list.signoffs.ready) ||
                    (list.signoffs && list.signoffs.objections.length > 0 && !objectionReason.trim())
                  }
                  onClick={() =>
                    void advance
                      .run(async () => {
                        await api.post(`/api/plans/${encodeURIComponent(plan.id)}/advance`, {
                          from_stage: plan.stage,
                          acknowledge_warnings: acknowledged,
                          objection_reason: objectionReason.trim() || null,
                        })
                        return t('admin.advanced', { stage: stageName(list.to!) })
                      })
                      .then((ok) => {
                        if (ok) {
                          setAcknowledged(false)
                          setObjectionReason('')
                          onChange()
                          reload()
                        }
                      })
                  }
                >
                  {t('admin.advance', { stage: stageName(list.to) })}
                </button>
              </p>
            </>
          )
        }
      </Loading>
      <ActionResult action={advance} />
      <p>
        <button
          type="button"
          class="secondary"
          disabled={publish.busy}
          onClick={() =>
            void publish
              .run(async () => {
                await api.post(`/api/plans/${encodeURIComponent(plan.id)}/publish`, {})
                return t('admin.created')
              })
              .then((ok) => ok && onChange())
          }
        >
          {t('admin.publish')}
        </button>
      </p>
      <ActionResult action={publish} />
    </section>
  )
}
