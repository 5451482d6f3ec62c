import { useEffect, useRef, useState } from 'preact/hooks'
import { fetchMe, type Me } from './api'
import { loadTemplate } from './collab/template'
import { t, useLang } from './i18n'
import { usePath } from './router'
import { SessionContext } from './session'
import { takeSwitch, watchSession, type Switch } from './sessionWatch'
import { Header } from './ui/Header'
import { lazyPage } from './ui/lazy'
import { SignIn } from './pages/SignIn'

const Dashboard = lazyPage(() => import('./pages/Dashboard'))
const EditorPage = lazyPage(() => import('./pages/EditorPage'))
const History = lazyPage(() => import('./pages/History'))
const Public = lazyPage(() => import('./pages/Public'))
const Admin = lazyPage(() => import('./pages/Admin'))
const Downloads = lazyPage(() => import('./pages/Downloads'))

type State = { status: 'loading' } | { status: 'ready'; me: Me | null } | { status: 'error'; message: string }

function Route({ path, me }: { path: string; me: Me | null }) {
  if (path === '/public' || path.startsWith('/public/')) return <Public />
  if (!me || path === '/signin') return <SignIn />
  const editor = /^\/commitments\/([^/]+)\/?$/.exec(path)
  if (editor) return <EditorPage key={editor[1]} commitmentId={decodeURIComponent(editor[1])} />
  const history = /^\/commitments\/([^/]+)\/history\/?$/.exec(path)
  if (history) return <History key={history[1]} commitmentId={decodeURIComponent(history[1])} />
  if (path === '/admin') return <Admin />
  if (path === '/downloads') return <Downloads />
  if (path === '/') return <Dashboard />
  return <p>{t('app.notFound')}</p>
}

export function App() {
  useLang()
  const path = usePath()
  const [state, setState] = useState<State>({ status: 'loading' })
  useEffect(() => {
    // Every page may name a part of the commitment template: its words come first.
    Promise.all([fetchMe(), loadTemplate()]).then(
      ([me]) => setState({ status: 'ready', me }),
      (error: unknown) => setState({ status: 'error', message: String(error) }),
    )
  }, [])
  // After an in-app navigation, start reading at the new page, as a page load would.
  const first = useRef(true)
  useEffect(() => {
    if (first.current) first.current = false
    else document.getElementById('main')?.focus()
  }, [path])
  const me = state.status === 'ready' ? state.me : null
  const ready = state.status === 'ready'
  useEffect(() => (ready ? watchSession(me) : undefined), [ready, me?.person_id])
  const [switched, setSwitched] = useState<Switch | null>(takeSwitch)
  return (
    <SessionContext.Provider value={me}>
      <a class="skip" href="#main">
        {t('app.skip')}
      </a>
      <Header me={me} />
      {switched && <SwitchNote switched={switched} done={() => setSwitched(null)} />}
      <main id="main" tabIndex={-1}>
        {state.status === 'loading' && <p aria-busy="true">{t('app.loading')}</p>}
        {state.status === 'error' && <p role="alert">{t('app.error', { message: state.message })}</p>}
        {state.status === 'ready' && <Route path={path} me={me} />}
      </main>
    </SessionContext.Provider>
  )
}

function SwitchNote({ switched, done }: { switched: Switch; done: () => void }) {
  const from = switched.from ?? t('session.nobody')
  return (
    <p class="session-note" role="status" data-testid="session-switched">
      {switched.to ? t('session.switched', { from, to: switched.to }) : t('session.switchedOut', { from })}{' '}
      <button type="button" onClick={done}>
        {t('session.ok')}
      </button>
    </p>
  )
}
