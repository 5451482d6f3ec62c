// Sign-offs at a stage gate: a commitment's lead agency accepts it, the forum approves the plan.
// Each is agree / agree with reservations / object (with a text); every one stays on the record,
// and a person's later sign-off supersedes theirs for display. The server decides who may sign.
import { useState } from 'preact/hooks'
import { api, type Me } from '../api'
import { formatDate, lang, t } from '../i18n'
import type { Key } from '../messages'
import { ActionResult, SubmitButton, useAction, useFieldId } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { stageName } from '../ui/stages'

export const POSITIONS = ['agree', 'agree_with_reservations', 'object'] as const
export type Position = (typeof POSITIONS)[number]

export interface SignOff {
  commitment_id: string | null
  position: Position
  text: string
  stage: string
  by: Me
  org_id: string
  org_name: string
  on_behalf: boolean
  at: string
  current: boolean
}

export interface GateItem {
  code: string
  message_id: string
  message_en: string
}

export interface ForumTally {
  members: number
  agree: number
  government_agree: number
  civil_society_agree: number
  approved: boolean
}

interface SignOffList {
  stage: string
  required: boolean
  may_sign: boolean
  signoffs: SignOff[]
  lead_organisations?: { org_id: string; org_name: string }[]
  missing?: GateItem[]
  forum?: ForumTally | null
}

export function itemText(item: GateItem): string {
  return lang() === 'en' ? item.message_en : item.message_id
}

export function SignOffLine({ item }: { item: SignOff }) {
  const who = item.on_behalf
    ? t('signoff.onBehalf', { org: item.org_name, name: item.by.name })
    : `${item.by.name} (${item.org_name || item.by.org_name})`
  return (
    <li class={`signoff ${item.position}${item.current ? '' : ' superseded'}`} data-position={item.position}>
      <strong>{t(`signoff.${item.position}` as Key)}</strong> · {who} · {stageName(item.stage)} · {formatDate(item.at)}
      {!item.current && <span class="muted"> ({t('signoff.superseded')})</span>}
      {item.text && <blockquote>{item.text}</blockquote>}
    </li>
  )
}

function SignOffForm({ path, leads, onDone }: { path: string; leads?: { org_id: string; org_name: string }[]; onDone: () => void }) {
  const action = useAction()
  const [position, setPosition] = useState<Position>('agree')
  const textId = useFieldId('signoff-text')
  const behalfId = useFieldId('signoff-behalf')
  return (
    <form
      class="signoff-form"
      aria-label={t('signoff.form')}
      onSubmit={(event) => {
        event.preventDefault()
        const data = new FormData(event.currentTarget)
        const body: Record<string, string> = { position, text: String(data.get('text') ?? '') }
        const behalf = data.get('on_behalf_of')
        if (behalf) body.on_behalf_of = String(behalf)
        void action.run(async () => {
          await api.post(path, body)
          onDone()
          return t('signoff.recorded')
        })
      }}
    >
      <fieldset>
        <legend>{t('signoff.position')}</legend>
        {POSITIONS.map((p) => (
          <label key={p} class="check">
            <input type="radio" name="position" value={p} checked={position === p} onChange={() => setPosition(p)} />
            {t(`signoff.${p}` as Key)}
          </label>
        ))}
      </fieldset>
      {leads && leads.length > 1 && (
        <div class="field">
          <label for={behalfId}>{t('signoff.behalfOf')}</label>
          <select id={behalfId} name="on_behalf_of">
            {leads.map((o) => (
              <option key={o.org_id} value={o.org_id}>
                {o.org_name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for={textId}>
          {t(position === 'agree' ? 'signoff.textOptional' : 'signoff.textRequired')}
          {position !== 'agree' && <span aria-hidden="true"> *</span>}
        </label>
        <textarea id={textId} name="text" rows={3} required={position !== 'agree'} />
      </div>
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('signoff.submit')} />
    </form>
  )
}

/** The sign-offs of a commitment (``kind`` commitment) or of the plan by the forum. */
export function SignOffPanel({ kind, id, me }: { kind: 'commitment' | 'plan'; id: string; me: Me }) {
  const path = `/api/${kind === 'commitment' ? 'commitments' : 'plans'}/${encodeURIComponent(id)}/signoffs`
  const [state, reload] = useLoad(() => api.get<SignOffList>(path), [path], 30000)
  if (me.stakeholder === 'public') return null
  return (
    <Loading state={state}>
      {(list) =>
        !list.required && list.signoffs.length === 0 ? null : (
          <section class="panel signoffs" aria-labelledby={`signoffs-${kind}`} data-testid={`signoffs-${kind}`}>
            <h2 id={`signoffs-${kind}`}>{t(kind === 'commitment' ? 'signoff.commitmentTitle' : 'signoff.planTitle')}</h2>
            {list.lead_organisations && list.lead_organisations.length > 0 && (
              <p>
                {t('signoff.leads')}: {list.lead_organisations.map((o) => o.org_name).join(', ')}
              </p>
            )}
            {list.required && <p class="help">{t(kind === 'commitment' ? 'signoff.askedLead' : 'signoff.askedForum', { stage: stageName(list.stage) })}</p>}
            {list.forum && (
              <p data-testid="forum-tally">
                {t('signoff.tally', {
                  agree: list.forum.agree,
                  members: list.forum.members,
                  gov: list.forum.government_agree,
                  cso: list.forum.civil_society_agree,
                })}{' '}
                <strong>{t(list.forum.approved ? 'signoff.approved' : 'signoff.notApproved')}</strong>
              </p>
            )}
            {list.signoffs.length === 0 ? (
              <p class="muted">{t('signoff.none')}</p>
            ) : (
              <ul class="signoff-list">
                {list.signoffs
                  .slice()
                  .reverse()
                  .map((item, index) => (
                    <SignOffLine key={index} item={item} />
                  ))}
              </ul>
            )}
            {list.may_sign && <SignOffForm path={path} leads={me.stakeholder === 'secretariat' ? list.lead_organisations : undefined} onDone={reload} />}
          </section>
        )
      }
    </Loading>
  )
}
