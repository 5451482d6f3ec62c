// A long value (a hash, a key id, a signed note) shown short, with the whole of it one
// keypress away: a copy button, or the value to select where the clipboard is refused.
import { useState } from 'preact/hooks'
import { t } from '../i18n'

const SHORT = 12

export function CopyButton({ value, what, label = t('audit.copyShort') }: { value: string; what: string; label?: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no')
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value)
      setCopied('yes')
    } catch {
      // No clipboard (an insecure origin, a refused permission): show the value to select.
      setCopied('failed')
    }
  }
  return (
    <>
      <button type="button" class="link" onClick={() => void copy()} aria-label={t('audit.copy', { what })}>
        {label}
      </button>
      <span role="status" class="copy-state">
        {copied === 'yes' && t('audit.copied')}
      </span>
      {copied === 'failed' && (
        <span class="copy-fallback">
          {t('audit.copyFailed')}{' '}
          <textarea readOnly value={value} aria-label={what} rows={value.includes('\n') ? 5 : 1} onFocus={(event) => event.currentTarget.select()} autoFocus />
        </span>
      )}
    </>
  )
}

export function Hash({ value, what }: { value: string; what: string }) {
  return (
    <span class="hash">
      <code title={value} data-full={value}>
        {value.length > SHORT ? `${value.slice(0, SHORT)}…` : value}
      </code>
      {value.length > SHORT && <CopyButton value={value} what={what} />}
    </span>
  )
}
