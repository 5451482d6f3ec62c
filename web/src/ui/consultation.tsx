// Where the public consultation stands: not yet open, open (with its announced dates),
// closed. Shared by the public page and the dashboard.
import type { Plan } from '../api'
import { formatDate, t } from '../i18n'
import { stageName } from './stages'

const ADOPTED = ['final', 'implementation']

/** Whether the public may give input now: Draft 4, inside the announced dates if any. */
export function consultationOpen(plan: Plan): boolean {
  return plan.stage === 'draft4' && (plan.consultation === null || plan.consultation.state === 'open')
}

export function formatMoment(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return `${formatDate(iso)} ${date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
}

export function ConsultationState({ plan }: { plan: Plan }) {
  const window = plan.consultation
  const dates = window ? { opens: formatMoment(window.opens), closes: formatMoment(window.closes) } : null
  let text: string
  if (ADOPTED.includes(plan.stage)) text = t('pub.over')
  else if (plan.stage !== 'draft4') text = t('pub.notYet', { stage: stageName(plan.stage) })
  else if (window?.state === 'upcoming') text = t('pub.windowUpcoming', { opens: dates!.opens })
  else if (window?.state === 'closed') text = t('pub.windowClosed', { closes: dates!.closes })
  else text = t('pub.open')
  return (
    <div class={consultationOpen(plan) ? 'notice ok' : 'notice'} data-testid="consultation-state">
      <p>{text}</p>
      {dates && (
        <p class="muted" data-testid="consultation-window">
          {t('pub.window', dates)}
        </p>
      )}
    </div>
  )
}

/** A datetime-local value (the browser's time) as ISO-8601 with the browser's offset. */
export function withOffset(local: string): string {
  const minutes = -new Date(local).getTimezoneOffset()
  const sign = minutes >= 0 ? '+' : '-'
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0')
  const seconds = local.length === 16 ? `${local}:00` : local
  return `${seconds}${sign}${pad(Math.abs(minutes) / 60)}:${pad(Math.abs(minutes) % 60)}`
}
