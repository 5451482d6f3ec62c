import type { ComponentChildren } from 'preact'
import { serverText, t } from '../i18n'
import type { Loaded } from './useLoad'

/** Render ``children(data)`` once loaded; say what happened otherwise. */
export function Loading<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.status === 'loading') return <p aria-busy="true">{t('app.loading')}</p>
  if (state.status === 'error') {
    return (
      <p role="alert" class="error">
        {state.code === 404 ? t('app.notFound') : t('app.error', { message: serverText(state.message) })}
      </p>
    )
  }
  return <>{children(state.data)}</>
}
