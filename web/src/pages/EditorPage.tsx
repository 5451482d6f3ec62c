// The commitment editor: the whole template on one page, co-edited live.
import { Fragment } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type Commitment } from '../api'
import type { DocumentStatus, PresenceUser } from '../collab/connection'
import { SECTIONS, groupLabel, stakeholderColor } from '../collab/template'
import { CommitmentHeading, Contacts, MetaFields, OgpValues, TitleField } from '../editor/fields'
import { Milestones } from '../editor/Milestones'
import { Presence } from '../editor/Presence'
import { RichSection } from '../editor/RichSection'
import { Status } from '../editor/Status'
import { SessionNote } from '../editor/SessionNote'
import { Validation } from '../editor/Validation'
import { SignOffPanel } from '../forum/SignOffs'
import { KeptAside } from '../editor/KeptAside'
import { useConnection } from '../editor/useConnection'
import { serverText, t, useLang } from '../i18n'
import { useMe } from '../session'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'

function CommitmentEditor({ commitment }: { commitment: Commitment }) {
  const lang = useLang()
  useTitle(`${t('editor.heading', { number: commitment.number })}: ${commitment.title}`)
  const me = useMe()!
  const { conn, generation, kept, dismiss } = useConnection(commitment.document_id, me.person_id, t('kept.notSent'))
  const [status, setStatus] = useState<DocumentStatus>(conn.status)
  const user: PresenceUser = useMemo(() => {
    const color = stakeholderColor(me.stakeholder)
    return { id: me.person_id, name: me.name, organisation: me.org_name, org_id: me.org_id, stakeholder: me.stakeholder, color }
  }, [me])
  useEffect(() => {
    conn.setUser(user)
    return conn.subscribe(setStatus)
  }, [conn])
  // The server is the judge: the live connection's word wins (a refusal, or its sync step 1,
  // which it sends only to writers before the document), then the API's answer.
  const apiRefusal = commitment.can_write ? null : commitment.write_refusal || t('editor.readOnly')
  const deniedReason =
    status.deniedReason ?? (status.writeGranted ? null : status.synced ? (apiRefusal ?? t('editor.readOnly')) : apiRefusal)
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
      <KeptAside kept={kept} dismiss={dismiss} />
      {!editable && (
        <p class="readonly" role="alert" data-testid="readonly">
          <strong>{t('editor.readOnly')}.</strong> {t('editor.readOnlyWhy', { reason: serverText(deniedReason) })}
        </p>
      )}
      <div class="editor-layout" key={generation}>
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
