// The commitment editor: the whole template on one page, co-edited live.
import { Fragment, type ComponentChildren } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type Commitment } from '../api'
import type { DocumentConnection, DocumentStatus, PresenceUser } from '../collab/connection'
import { ReviewApi, ReviewStore } from '../collab/review'
import { SECTIONS, fieldLabel, groupLabel, sectionTitle, stakeholderColor } from '../collab/template'
import { CommitmentHeading, Contacts, MetaFields, OgpValues, TitleField } from '../editor/fields'
import { Milestones } from '../editor/Milestones'
import { NoteCount, Notes } from '../editor/Notes'
import { Presence } from '../editor/Presence'
import { Review, ReviewContext, reviewShown, useReview } from '../editor/review'
import { RichSection, type Mode } from '../editor/RichSection'
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

/** A part of the template with its comment column beside it (when there is one to show). */
function WithNotes({ column, label, milestones, children }: { column: string; label: string; milestones?: number; children: ComponentChildren }) {
  const review = useReview()
  if (!reviewShown(review)) return <>{children}</>
  return (
    <div class="with-notes">
      <div class="noted">{children}</div>
      <Notes column={column} label={label} milestones={milestones} />
    </div>
  )
}

function useMilestoneCount(conn: DocumentConnection): number {
  const array = conn.doc.getArray('milestones')
  const [count, setCount] = useState(array.length)
  useEffect(() => {
    const refresh = (): void => setCount(array.length)
    refresh()
    array.observe(refresh)
    return () => array.unobserve(refresh)
  }, [array])
  return count
}

function ModeSwitch({ mode, canWrite, onChange }: { mode: Mode; canWrite: boolean; onChange: (suggesting: boolean) => void }) {
  const review = useReview()
  if (!review?.may.suggest || mode === 'read') return null
  if (!canWrite)
    return (
      <p class="suggest-only" role="note" data-testid="suggest-only">
        <strong>{t('suggest.only')}</strong> {t('suggest.onlyWhy')}
      </p>
    )
  return (
    <p class="mode-switch">
      <button type="button" class="secondary" aria-pressed={mode === 'suggest'} aria-describedby="mode-help" onClick={() => onChange(mode !== 'suggest')} data-testid="suggest-toggle">
        {t('suggest.toggle')}
      </button>{' '}
      <span id="mode-help" class="muted">
        {mode === 'suggest' ? t('suggest.on') : t('suggest.off')}
      </span>
    </p>
  )
}

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
  const review = useMemo(() => new Review(new ReviewStore(conn.doc), new ReviewApi(commitment.document_id), me), [conn, me])
  const [suggesting, setSuggesting] = useState(false)
  const [, setReviewTick] = useState(0)
  useEffect(() => {
    conn.setUser(user)
    const unsubscribe = conn.subscribe(setStatus)
    const unwatch = review.subscribe(() => setReviewTick((n) => n + 1))
    return () => {
      unwatch()
      unsubscribe()
      review.store.destroy() // the connection itself belongs to useConnection
    }
  }, [conn, review])
  // Who may comment, suggest and decide changes with the stage: asked again with each refresh,
  // and at once when the live connection's word on writing changes (a stage advance), so the
  // page never offers suggestions on the strength of an answer the stage has overtaken.
  const [mayFor, setMayFor] = useState<string | null | undefined>(undefined)
  useEffect(() => {
    const asked = status.deniedReason ?? null
    review.api.may().then(
      (may) => {
        review.setMay(may)
        setMayFor(asked)
      },
      () => undefined, // an older server without comments: the editor works as before
    )
  }, [review, commitment, status.deniedReason])
  const milestoneCount = useMilestoneCount(conn)
  // The server is the judge: the live connection's word wins (a refusal, or its sync step 1,
  // which it sends only to writers before the document), then the API's answer.
  const apiRefusal = commitment.can_write ? null : commitment.write_refusal || t('editor.readOnly')
  const deniedReason =
    status.deniedReason ?? (status.writeGranted ? null : status.synced ? (apiRefusal ?? t('editor.readOnly')) : apiRefusal)
  const canWrite = deniedReason === null
  const mayNow = mayFor === (status.deniedReason ?? null) ? review.may : { ...review.may, suggest: false }
  const mode: Mode = canWrite ? (suggesting && mayNow.suggest ? 'suggest' : 'edit') : mayNow.suggest ? 'suggest' : 'read'
  const editable = mode === 'edit'
  return (
    <ReviewContext.Provider value={review}>
    <div class="editor-page">
      <div class="editor-head">
        <h1>
          <CommitmentHeading conn={conn} commitment={commitment} />
        </h1>
        <Status status={status} readOnly={!canWrite} />
        <a href={`/commitments/${encodeURIComponent(commitment.id)}/history`} data-route>
          {t('editor.history')}
        </a>
      </div>
      <SessionNote planId={commitment.plan_id} />
      <KeptAside kept={kept} dismiss={dismiss} />
      <ModeSwitch mode={mode} canWrite={canWrite} onChange={setSuggesting} />
      {mode === 'read' && (
        <p class="readonly" role="alert" data-testid="readonly">
          <strong>{t('editor.readOnly')}.</strong> {t('editor.readOnlyWhy', { reason: serverText(deniedReason ?? '') })}
        </p>
      )}
      <div class="editor-layout" key={generation}>
        <form class="template" onSubmit={(event) => event.preventDefault()} aria-label={groupLabel('description')}>
          <WithNotes column="title" label={fieldLabel('title')}>
            <TitleField conn={conn} editable={editable} />
          </WithNotes>
          <MetaFields conn={conn} editable={editable} />
          <h2>{groupLabel('description')}</h2>
          {SECTIONS.map((section) => (
            <Fragment key={section}>
              <WithNotes column={section} label={sectionTitle(section)}>
                <RichSection conn={conn} section={section} user={user} mode={mode} />
              </WithNotes>
              {section === 'ogp_values' && <OgpValues conn={conn} editable={editable} />}
            </Fragment>
          ))}
          <WithNotes column="milestones" label={groupLabel('milestones')} milestones={milestoneCount}>
            <Milestones conn={conn} editable={editable} />
          </WithNotes>
          <WithNotes column="contacts" label={groupLabel('contacts')}>
            <Contacts conn={conn} editable={editable} />
          </WithNotes>
        </form>
        <aside class="side">
          {reviewShown(review) && (
            <section class="panel" aria-labelledby="whole-heading">
              <h2 id="whole-heading">
                {t('rev.wholeHeading')} <NoteCount column="*" />
              </h2>
              <Notes column="*" label={t('rev.whole')} />
            </section>
          )}
          <Presence conn={conn} />
          <Validation conn={conn} commitmentId={commitment.id} lang={lang} />
          <SignOffPanel kind="commitment" id={commitment.id} me={me} />
        </aside>
      </div>
    </div>
    </ReviewContext.Provider>
  )
}

export default function EditorPage({ commitmentId }: { commitmentId: string }) {
  // Refreshed now and then: a stage advance can grant or take away the right to write.
  const [state] = useLoad(() => api.get<Commitment>(`/api/commitments/${encodeURIComponent(commitmentId)}`), [commitmentId], 15000)
  return <Loading state={state}>{(commitment) => <CommitmentEditor key={commitment.document_id} commitment={commitment} />}</Loading>
}
