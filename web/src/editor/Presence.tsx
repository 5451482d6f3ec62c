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
  away: boolean
}

// Every page renews its presence each PRESENCE_RENEW_MS: a state not renewed for this long
// belongs to someone whose connection dropped (the server, pinging each socket, also removes
// it, within 20 s of the drop).
// Two missed renewals (every 4 s): away within 10 s of the last one heard, ticks included.
const AWAY_AFTER_MS = 8_000
const TICK_MS = 1000

const sectionName = rootLabel

export function Presence({ conn }: { conn: DocumentConnection }) {
  const awareness = conn.provider.awareness
  const read = (): Person[] =>
    Array.from(awareness.getStates().entries())
      .filter(([, state]) => state && state.user)
      .map(([clientId, state]) => ({
        clientId,
        user: state.user as PresenceUser,
        section: (state.section as string | null) ?? null,
        away: clientId !== awareness.clientID && Date.now() - (awareness.meta.get(clientId)?.lastUpdated ?? 0) > AWAY_AFTER_MS,
      }))
      .sort((a, b) => (a.clientId === awareness.clientID ? -1 : b.clientId === awareness.clientID ? 1 : a.user.name.localeCompare(b.user.name)))
  const [people, setPeople] = useState<Person[]>(read)
  useEffect(() => {
    const refresh = (): void => setPeople(read())
    // 'update' too: a renewal changes no state, only when it was last heard of.
    awareness.on('update', refresh)
    const ticking = window.setInterval(refresh, TICK_MS)
    refresh()
    return () => {
      awareness.off('update', refresh)
      clearInterval(ticking)
    }
  }, [awareness])
  return (
    <section class="panel" aria-labelledby="presence-heading">
      <h2 id="presence-heading">{t('editor.presence')}</h2>
      <ul class="presence" aria-live="polite" data-testid="presence">
        {people.map(({ clientId, user, section, away }) => (
          <li key={clientId} class={away ? 'away' : undefined} data-away={away ? 'true' : undefined}>
            <span class="swatch" style={{ background: user.color }} aria-hidden="true" />
            <span>
              <strong>{user.name}</strong> {clientId === awareness.clientID && t('editor.presenceYou')}
              {away && t('editor.presenceAway')}
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
