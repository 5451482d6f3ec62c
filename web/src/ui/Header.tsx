import type { Me } from '../api'
import { signOut } from '../auth'
import { lang, setLang, t, type Lang } from '../i18n'
import type { Key } from '../messages'
import { stakeholderColor } from '../collab/template'

export function roleLabel(stakeholder: string): string {
  return t(`role.${stakeholder}` as Key)
}

function LanguageSwitch() {
  const current = lang()
  const choices: [Lang, string][] = [
    ['id', 'Bahasa Indonesia'],
    ['en', 'English'],
  ]
  return (
    <div class="lang" role="group" aria-label={t('nav.language')}>
      {choices.map(([code, name]) => (
        <button
          type="button"
          key={code}
          lang={code}
          aria-pressed={current === code}
          onClick={() => setLang(code)}
          title={name}
        >
          {code.toUpperCase()}
          <span class="visually-hidden"> {name}</span>
        </button>
      ))}
    </div>
  )
}

export function Header({ me }: { me: Me | null }) {
  return (
    <header class="site">
      <a class="brand" href="/" data-route>
        {t('app.name')}
      </a>
      <nav aria-label={t('nav.main')}>
        <ul>
          {me && (
            <li>
              <a href="/" data-route>
                {t('nav.dashboard')}
              </a>
            </li>
          )}
          <li>
            <a href="/public" data-route>
              {t('nav.public')}
            </a>
          </li>
          {(me?.stakeholder === 'secretariat' || me?.stakeholder === 'auditor') && (
            <li>
              <a href="/downloads" data-route>
                {t('nav.downloads')}
              </a>
            </li>
          )}
          {me?.stakeholder === 'secretariat' && (
            <li>
              <a href="/admin" data-route>
                {t('nav.admin')}
              </a>
            </li>
          )}
        </ul>
      </nav>
      <LanguageSwitch />
      {me ? (
        <div class="identity" aria-label={t('nav.signedInAs')} role="group">
          <span class="swatch" style={{ background: stakeholderColor(me.stakeholder) }} aria-hidden="true" />
          <span class="who">
            <strong data-testid="me-name">{me.name}</strong>
            <span data-testid="me-org">{me.org_name}</span>
            <span class="role" data-testid="me-role">
              {roleLabel(me.stakeholder)}
            </span>
          </span>
          <button type="button" class="link" onClick={() => void signOut()}>
            {t('nav.signOut')}
          </button>
        </div>
      ) : (
        <a class="button" href="/signin" data-route>
          {t('nav.signIn')}
        </a>
      )}
    </header>
  )
}
