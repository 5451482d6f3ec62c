import { useState } from 'preact/hooks'
import { invitationPath } from '../auth'
import { t } from '../i18n'
import { useTitle } from '../ui/useTitle'

export function SignIn() {
  useTitle(t('signin.title'))
  const [value, setValue] = useState('')
  const [error, setError] = useState(false)
  const query = new URLSearchParams(location.search)
  const signedOut = query.has('signed_out')
  // Where the server sends someone whose invitation link has expired or been replaced.
  const expired = query.get('error') === 'invalid_invitation'
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
