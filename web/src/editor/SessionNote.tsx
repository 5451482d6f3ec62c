// Tells people when their edits are tagged with an open session they attend, so "what did the
// 12 March teleconference change?" has an answer they can see coming.
import { api, type Session } from '../api'
import { formatDate, t } from '../i18n'
import { useMe } from '../session'
import { useLoad } from '../ui/useLoad'

export function SessionNote({ planId }: { planId: string }) {
  const me = useMe()
  const [state] = useLoad(() => api.get<{ sessions: Session[] }>(`/api/sessions?plan_id=${encodeURIComponent(planId)}`), [planId], 30000)
  if (state.status !== 'ready' || !me) return null
  const mine = state.data.sessions.filter((s) => s.open && s.attendance.some((a) => a.org_id === me.org_id))
  if (mine.length === 0) return null
  const session = mine[mine.length - 1]
  return (
    <p class="notice" data-testid="session-note">
      {t('editor.session', { title: session.title, method: session.method, date: formatDate(session.date) })}
    </p>
  )
}
