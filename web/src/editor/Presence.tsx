// Who else has this commitment open, and where in the template they are.
import { useEffect, useState } from 'preact/hooks'
import type { DocumentConnection, PresenceUser } from '../collab/connection'
import { rootLabel } from '../collab/template'
import { t } from '../i18n'
import { roleLabel } from '../ui/Header'

interface Person {
  clientId: number
  user: PresenceUser
  section: string | null
}

const sectionName = rootLabel

export function Presence({ conn }: { conn: DocumentConnection }) {
  const awareness = conn.provider.awareness
  const read = (): Person[] =>
    Array.from(awareness.getStates().entries())
      .filter(([, state]) => state && state.user)
      .map(([clientId, state]) => ({ clientId, user: state.user as PresenceUser, section: (state.section as string | null) ?? null }))
      .sort((a, b) => (a.clientId === awareness.clientID ? -1 : b.clientId === awareness.clientID ? 1 : a.user.name.localeCompare(b.user.name)))
  const [people, setPeople] = useState<Person[]>(read)
  useEffect(() => {
    const refresh = (): void => setPeople(read())
    awareness.on('change', refresh)
    refresh()
    return () => awareness.off('change', refresh)
  }, [awareness])
  return (
    <section class="panel" aria-labelledby="presence-heading">
      <h2 id="presence-heading">{t('editor.presence')}</h2>
      <ul class="presence" aria-live="polite" data-testid="presence">
        {people.map(({ clientId, user, section }) => (
          <li key={clientId}>
            <span class="swatch" style={{ background: user.color }} aria-hidden="true" />
            <span>
              <strong>{user.name}</strong> {clientId === awareness.clientID && t('editor.presenceYou')}
              <br />
              <span class="muted">
                {user.organisation}
                {roleLabel(user.stakeholder) !== user.organisation && ` · ${roleLabel(user.stakeholder)}`}
                {section && <> · {t('editor.presenceIn', { section: sectionName(section) })}</>}
              </span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
