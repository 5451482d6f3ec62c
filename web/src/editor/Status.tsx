// The one line that tells a person whether their words are safe.
import type { DocumentStatus } from '../collab/connection'
import { serverText, t } from '../i18n'

export function statusText(status: DocumentStatus, readOnly = false): { kind: string; text: string } {
  if (status.deniedReason && status.link !== 'connected') return { kind: 'denied', text: t('status.denied', { reason: serverText(status.deniedReason) }) }
  if (status.link === 'offline') return { kind: 'offline', text: t('status.offline') }
  if (status.link === 'connecting') return { kind: 'connecting', text: t('status.connecting') }
  if (readOnly && status.link === 'connected') return { kind: 'readonly', text: t('status.readOnly') }
  if (status.pending) return { kind: 'saving', text: t('status.saving') }
  if (status.synced) return { kind: 'saved', text: t('status.saved') }
  return { kind: 'connected', text: t('status.connected') }
}

export function Status({ status, readOnly }: { status: DocumentStatus; readOnly: boolean }) {
  const { kind, text } = statusText(status, readOnly)
  return (
    <p class={`status status-${kind}`} role="status" aria-label={t('status.label')} data-status={kind}>
      <span class="dot" aria-hidden="true" />
      {text}
    </p>
  )
}
