// The commitment editor: the whole template on one page, co-edited live.
import { Fragment } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type Commitment } from '../api'
import { DocumentConnection, type DocumentStatus, type PresenceUser } from '../collab/connection'
import { SECTIONS, groupLabel, stakeholderColor } from '../collab/template'
import { CommitmentHeading, Contacts, MetaFields, OgpValues, TitleField } from '../editor/fields'
import { Milestones } from '../editor/Milestones'
import { Presence } from '../editor/Presence'
import { RichSection } from '../editor/RichSection'
import { Status } from '../editor/Status'
import { SessionNote } from '../editor/SessionNote'
import { Validation } from '../editor/Validation'
import { SignOffPanel } from '../forum/SignOffs'
import { serverText, t, useLang } from '../i18n'
import { useMe } from '../session'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'

function CommitmentEditor({ commitment }: { commitment: Commitment }) {
  const lang = useLang()
  useTitle(`${t('editor.heading', { number: commitment.number })}: ${commitment.title}`)
  const me = useMe()!
  const conn = useMemo(() => new DocumentConnection(commitment.document_id, me.person_id), [commitment.document_id, me.person_id])
  const [status, setStatus] = useState<DocumentStatus>(conn.status)
  const user: PresenceUser = useMemo(() => {
    const color = stakeholderColor(me.stakeholder)
    return { id: me.person_id, name: me.name, organisation: me.org_name, org_id: me.org_id, stakeholder: me.stakeholder, color }
  }, [me])
  useEffect(() => {
    conn.setUser(user)
    const unsubscribe = conn.subscribe(setStatus)
    return () => {
      unsubscribe()
      conn.destroy()
    }
  }, [conn])
  // The server is the judge: the live connection's refusal wins, then the API's answer.
  const deniedReason =
    status.deniedReason ?? (commitment.can_write || status.writeGranted ? null : commitment.write_refusal || t('editor.readOnly'))
  const editable = deniedReason === null
  return (
    <div class="editor-page">
      <div class="editor-head">
        <h1>
          <CommitmentHeading conn={conn} commitment={commitment} />
        </h1>
        <Status status={status} readOnly={!editable} />
        <a href={`/commitments/${encodeURIComponent(commitment.id)}/history`} data-route>
          {t('editor.history')}
        </a>
      </div>
      <SessionNote planId={commitment.plan_id} />
      {!editable && (
        <p class="readonly" role="alert" data-testid="readonly">
          <strong>{t('editor.readOnly')}.</strong> {t('editor.readOnlyWhy', { reason: serverText(deniedReason) })}
        </p>
      )}
      <div class="editor-layout">
        <form class="template" onSubmit={(event) => event.preventDefault()} aria-label={groupLabel('description')}>
          <TitleField conn={conn} editable={editable} />
          <MetaFields conn={conn} editable={editable} />
          <h2>{groupLabel('description')}</h2>
          {SECTIONS.map((section) => (
            <Fragment key={section}>
              <RichSection conn={conn} section={section} user={user} editable={editable} />
              {section === 'ogp_values' && <OgpValues conn={conn} editable={editable} />}
            </Fragment>
          ))}
          <Milestones conn={conn} editable={editable} />
          <Contacts conn={conn} editable={editable} />
        </form>
        <aside class="side">
          <Presence conn={conn} />
          <Validation conn={conn} commitmentId={commitment.id} lang={lang} />
          <SignOffPanel kind="commitment" id={commitment.id} me={me} />
        </aside>
      </div>
    </div>
  )
}

export default function EditorPage({ commitmentId }: { commitmentId: string }) {
  // Refreshed now and then: a stage advance can grant or take away the right to write.
  const [state] = useLoad(() => api.get<Commitment>(`/api/commitments/${encodeURIComponent(commitmentId)}`), [commitmentId], 15000)
  return <Loading state={state}>{(commitment) => <CommitmentEditor key={commitment.document_id} commitment={commitment} />}</Loading>
}
