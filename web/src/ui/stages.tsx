// The stages of a National Action Plan and the timeline that shows where a plan is.
import type { Plan } from '../api'
import { formatDate, t } from '../i18n'
import type { Key } from '../messages'

export const STAGES = ['setup', 'draft1', 'draft2', 'draft3', 'draft4', 'final', 'implementation'] as const
export const stageName = (stage: string): string => t(`stage.${stage}` as Key)

export function StageTimeline({ plan }: { plan: Plan }) {
  const current = STAGES.indexOf(plan.stage as (typeof STAGES)[number])
  const reached = new Map(plan.history.map((change) => [change.to, change.at]))
  // Implementation is opened after Final, not advanced to: its date is the opening's.
  if (plan.implementation) reached.set('implementation', plan.implementation.opened_at)
  return (
    <ol class="timeline" aria-label={t('dash.timeline')}>
      {STAGES.map((stage, index) => (
        <li
          key={stage}
          class={index < current ? 'done' : index === current ? 'current' : 'todo'}
          aria-current={index === current ? 'step' : undefined}
        >
          <span class="stage-name">{stageName(stage)}</span>
          {reached.has(stage) && <span class="muted"> · {formatDate(reached.get(stage))}</span>}
        </li>
      ))}
    </ol>
  )
}
