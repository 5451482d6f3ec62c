import { useState } from 'preact/hooks'
import { invitationPath } from '../auth'
import { t } from '../i18n'
import { useTitle } from '../ui/useTitle'

// The server sends a browser here with the link in the fragment when another site (or nothing
// at all) sent it to the link: signing in then takes a click on this page, posted from here.
function pendingInvitation(): string | null {
  const match = /^#invitation=([A-Za-z0-9._~-]+)$/.exec(location.hash)
  if (!match) return null
  history.replaceState(null, '', location.pathname + location.search) // not kept in history
  return match[1]
}

export function SignIn() {
  useTitle(t('signin.title'))
  const [value, setValue] = useState('')
  const [error, setError] = useState(false)
  const [pending] = useState(pendingInvitation)
  const query = new URLSearchParams(location.search)
  const signedOut = query.has('signed_out')
  // Where the server sends someone whose invitation link no longer works, and why.
  const reason = query.get('error')
  const expired = reason === 'invalid_invitation' || reason === 'expired_invitation'
  const used = reason === 'used_invitation'
  const submit = (event: Event): void => {
    event.preventDefault()
    const path = invitationPath(value)
    if (!path) {
      setError(true)
      return
    }
    location.assign(path)
  }
  return (
    <section class="narrow">
      <h1>{t('signin.title')}</h1>
      {signedOut && <p role="status">{t('signin.signedOut')}</p>}
      {expired && (
        <p role="alert" class="error">
          {t('signin.expired')}
        </p>
      )}
      {used && (
        <p role="alert" class="error">
          {t('signin.used')}
        </p>
      )}
      {pending && (
        <form method="post" action={`/invite/${pending}`}>
          <p>{t('signin.confirm')}</p>
          <button type="submit">{t('signin.confirmButton')}</button>
        </form>
      )}
      <p>{t('signin.body')}</p>
      <form onSubmit={submit} noValidate>
        <label for="invitation">{t('signin.field')}</label>
        <input
          id="invitation"
          name="invitation"
          autocomplete="off"
          value={value}
          aria-invalid={error}
          aria-describedby={error ? 'invitation-error' : undefined}
          onInput={(event) => {
            setValue(event.currentTarget.value)
            setError(false)
          }}
        />
        {error && (
          <p id="invitation-error" class="error" role="alert">
            {t('signin.invalid')}
          </p>
        )}
        <button type="submit">{t('signin.submit')}</button>
      </form>
      <p>
        <a href="/public" data-route>
          {t('signin.public')}
        </a>
      </p>
    </section>
  )
}
