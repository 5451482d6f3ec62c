// Stage advance with its checklist, and publishing the draft for the public.
import { useState } from 'preact/hooks'
import { api, type Plan } from '../api'
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

interface Checklist {
  from: string
  to: string | null
  warnings: Warning[]
}

export function StagePanel({ plan, onChange }: { plan: Plan; onChange: () => void }) {
  const [checklist, reload] = useLoad(() => api.get<Checklist>(`/api/plans/${encodeURIComponent(plan.id)}/checklist`), [plan])
  const [acknowledged, setAcknowledged] = useState(false)
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
              {list.warnings.length > 0 && (
                <label class="check">
                  <input type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.currentTarget.checked)} />
                  {t('admin.acknowledge')}
                </label>
              )}
              <p>
                <button
                  type="button"
                  disabled={advance.busy || list.warnings.some((w) => w.blocking) || (list.warnings.length > 0 && !acknowledged)}
                  onClick={() =>
                    void advance
                      .run(async () => {
                        await api.post(`/api/plans/${encodeURIComponent(plan.id)}/advance`, {
                          from_stage: plan.stage,
                          acknowledge_warnings: acknowledged,
                        })
                        return t('admin.advanced', { stage: stageName(list.to!) })
                      })
                      .then((ok) => {
                        if (ok) {
                          setAcknowledged(false)
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
