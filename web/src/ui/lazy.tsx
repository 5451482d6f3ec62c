// Pages are loaded on demand, so the public page never downloads the editor.
import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { rememberAssets } from '../offline'

export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  let cached: ComponentType<P> | null = null
  return function LazyPage(props: P) {
    const [page, setPage] = useState<ComponentType<P> | null>(() => cached)
    const [error, setError] = useState<string | null>(null)
    useEffect(() => {
      if (cached) return
      load().then(
        (module) => {
          void rememberAssets()
          cached = module.default
          setPage(() => module.default)
        },
        (reason: unknown) => setError(String(reason)),
      )
    }, [])
    if (error) return <p role="alert">{t('app.error', { message: error })}</p>
    if (!page) return <p aria-busy="true">{t('app.loading')}</p>
    const Page = page
    return <Page {...props} />
  }
}
