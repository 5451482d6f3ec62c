// Small form helpers: one place for busy state, the server's error message, and labels.
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { serverText, t } from '../i18n'

export interface Action {
  busy: boolean
  error: string | null
  done: string | null
  run: (work: () => Promise<string | void>) => Promise<boolean>
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const run = async (work: () => Promise<string | void>): Promise<boolean> => {
    setBusy(true)
    setError(null)
    setDone(null)
    try {
      const message = await work()
      setDone(message || null)
      return true
    } catch (failure) {
      setError(serverText(failure instanceof Error ? failure.message : String(failure)))
      return false
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, done, run }
}

export function ActionResult({ action }: { action: Action }) {
  return (
    <>
      {action.error && (
        <p class="error" role="alert">
          {action.error}
        </p>
      )}
      {action.done && (
        <p class="ok" role="status">
          {action.done}
        </p>
      )}
    </>
  )
}

let fieldCounter = 0
export function useFieldId(prefix: string): string {
  const [id] = useState(() => `${prefix}-${++fieldCounter}`)
  return id
}

export function Field(props: {
  label: string
  name: string
  type?: string
  required?: boolean
  value?: string
  help?: string
  rows?: number
  children?: ComponentChildren
}) {
  const id = useFieldId(props.name)
  const helpId = props.help ? `${id}-help` : undefined
  return (
    <div class="field">
      <label for={id}>
        {props.label}
        {props.required && <span aria-hidden="true"> *</span>}
      </label>
      {props.help && (
        <p class="help" id={helpId}>
          {props.help}
        </p>
      )}
      {props.children ? (
        <select id={id} name={props.name} required={props.required} aria-describedby={helpId}>
          {props.children}
        </select>
      ) : props.type === 'textarea' ? (
        <textarea id={id} name={props.name} required={props.required} rows={props.rows ?? 3} aria-describedby={helpId} value={props.value} />
      ) : (
        <input id={id} name={props.name} type={props.type ?? 'text'} required={props.required} aria-describedby={helpId} value={props.value} />
      )}
    </div>
  )
}

/** The form's fields as strings; empty ones left out. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [key, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') values[key] = value.trim()
  }
  return values
}

export function SubmitButton({ action, label }: { action: Action; label: string }) {
  return (
    <button type="submit" disabled={action.busy} aria-busy={action.busy}>
      {action.busy ? t('app.loading') : label}
    </button>
  )
}
