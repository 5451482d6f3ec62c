// The public consultation page (PCD): the published draft in full, an input form per
// commitment, section or milestone, and every input with the Secretariat's reasoned response.
import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { api, type Commitment, type Input, type Plan } from '../api'
import { CONTACT_FIELDS, MILESTONE_FIELDS, SECTIONS, fieldLabel, groupLabel, sectionTitle } from '../collab/template'
import { formatDate, t, useLang } from '../i18n'
import type { Key } from '../messages'
import { ActionResult, Field, formValues, SubmitButton, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'
import { ConsultationState, consultationOpen } from '../ui/consultation'
import { ProgressView } from '../ui/progress'
import { AuditTrail } from '../audit/AuditTrail'
import { PlanDownloads } from '../audit/PlanDownloads'

export interface DocumentContent {
  commitment_id: string
  title: string
  meta: Record<string, unknown>
  sections: Record<string, { text: string; html: string }>
  milestones: Record<string, unknown>[]
  contacts: Record<string, unknown>
}

const text = (value: unknown): string => (value == null ? '' : String(value))

export function DraftText({ doc, commitment }: { doc: DocumentContent; commitment: Commitment }) {
  const meta = doc.meta
  return (
    <div class="draft">
      <dl class="facts">
        {(meta.start_date || meta.end_date) && (
          <>
            <dt>{t('doc.period')}</dt>
            <dd>
              {formatDate(text(meta.start_date))} – {formatDate(text(meta.end_date))}
            </dd>
          </>
        )}
        {meta.lead_agency ? (
          <>
            <dt>{fieldLabel('meta.lead_agency')}</dt>
            <dd>{text(meta.lead_agency)}</dd>
          </>
        ) : null}
      </dl>
      {SECTIONS.map((name) => (
        <section key={name} id={`c${commitment.id}-${name}`}>
          <h3>{sectionTitle(name)}</h3>
          {/* Simple HTML the server builds from the document and escapes (commitment/template.py). */}
          <div class="prose" dangerouslySetInnerHTML={{ __html: doc.sections[name]?.html || '<p>–</p>' }} />
        </section>
      ))}
      {doc.milestones.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption>{groupLabel('milestones')}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                {MILESTONE_FIELDS.map((field) => (
                  <th key={field} scope="col">
                    {fieldLabel(`milestones.${field}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {doc.milestones.map((m, index) => (
                <tr key={index}>
                  <td>{index + 1}</td>
                  <td>{text(m.activity)}</td>
                  <td>{text(m.deliverable)}</td>
                  <td>{formatDate(text(m.start))}</td>
                  <td>{formatDate(text(m.end))}</td>
                  <td>{text(m.output)}</td>
                  <td>{text(m.actors)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {CONTACT_FIELDS.some(([key]) => text(doc.contacts[key])) && (
        <section>
          <h3>{groupLabel('contacts')}</h3>
          <dl class="facts">
            {CONTACT_FIELDS.filter(([key]) => text(doc.contacts[key])).map(([key]) => (
              <Fragment key={key}>
                <dt>{fieldLabel(`contacts.${key}`)}</dt>
                <dd>{text(doc.contacts[key])}</dd>
              </Fragment>
            ))}
          </dl>
        </section>
      )}
    </div>
  )
}

function InputForm({ commitment, doc, onSent }: { commitment: Commitment; doc: DocumentContent; onSent: () => void }) {
  const action = useAction()
  const [formKey, setFormKey] = useState(0)
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const values = formValues(event.currentTarget as HTMLFormElement)
    const [kind, value] = (values.target ?? 'whole').split(':')
    const body: Record<string, unknown> = {
      text: values.text ?? '',
      name: values.name ?? null,
      publish_name: values.publish_name === 'yes',
      organisation: values.organisation ?? null,
      contact: values.contact ?? null,
      section: kind === 'section' ? value : null,
      milestone: kind === 'milestone' ? Number(value) : null,
    }
    const ok = await action.run(async () => {
      await api.post(`/api/commitments/${encodeURIComponent(commitment.id)}/inputs`, body)
      return t('pub.thanks')
    })
    if (ok) {
      setFormKey((n) => n + 1)
      onSent()
    }
  }
  return (
    <form key={formKey} class="input-form" onSubmit={submit} aria-label={`${t('pub.form')}: ${commitment.title}`}>
      <h3>{t('pub.form')}</h3>
      <Field label={t('pub.target')} name="target">
        <option value="whole">{t('pub.whole')}</option>
        {SECTIONS.map((name) => (
          <option key={name} value={`section:${name}`}>
            {sectionTitle(name)}
          </option>
        ))}
        {doc.milestones.map((_, index) => (
          <option key={index} value={`milestone:${index + 1}`}>
            {t('pub.milestone', { n: index + 1 })}
          </option>
        ))}
      </Field>
      <Field label={t('pub.text')} name="text" type="textarea" required rows={4} />
      <div class="grid">
        <Field label={t('pub.name')} name="name" />
        <Field label={t('pub.org')} name="organisation" />
        <Field label={t('pub.contact')} name="contact" help={t('pub.contactHelp')} />
      </div>
      <label class="check">
        <input type="checkbox" name="publish_name" value="yes" /> {t('pub.consent')}
      </label>
      <p class="help">{t('pub.consentHelp')}</p>
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('pub.submit')} />
    </form>
  )
}

export function targetName(input: Input): string {
  if (input.target.section) return sectionTitle(input.target.section as (typeof SECTIONS)[number])
  if (input.target.milestone) return t('pub.milestone', { n: input.target.milestone })
  return t('pub.whole')
}

export function InputList({ inputs }: { inputs: Input[] }) {
  if (inputs.length === 0) return <p class="muted">{t('pub.noInputs')}</p>
  return (
    <ol class="inputs">
      {inputs.map((input) => (
        <li key={input.id} class="input" data-input={input.id}>
          <p class="muted">
            {input.name || t('pub.anonymous')}
            {input.organisation && ` (${input.organisation})`} · {targetName(input)} · {formatDate(input.submitted_at)}
            {input.channel === 'face_to_face' && ` · ${t('pub.faceToFace')}`}
          </p>
          {input.hidden ? (
            <p class="badge warn">{t('pub.hidden', { reason: input.hidden.reason })}</p>
          ) : (
            <blockquote>{input.text}</blockquote>
          )}
          {input.responses.length === 0 ? (
            <p class="badge warn">{t('pub.awaiting')}</p>
          ) : (
            input.responses.map((response, index) => (
              <div class="response" key={index}>
                <p>
                  <strong>
                    {t('pub.response')}: {t(`response.${response.status}` as Key)}
                  </strong>{' '}
                  <span class="muted">
                    — {response.by.name} ({response.by.org_name}), {formatDate(response.at)}
                  </span>
                </p>
                <p>{response.reason}</p>
              </div>
            ))
          )}
        </li>
      ))}
    </ol>
  )
}

function PublicCommitment({ commitment, open, implementing }: { commitment: Commitment; open: boolean; implementing: boolean }) {
  const id = encodeURIComponent(commitment.id)
  const [docState] = useLoad(() => api.get<DocumentContent>(`/api/commitments/${id}/document`), [commitment.id])
  const [inputs, reloadInputs] = useLoad(() => api.get<{ inputs: Input[] }>(`/api/commitments/${id}/inputs`), [commitment.id], 30000)
  return (
    <article class="panel public-commitment" id={`commitment-${commitment.id}`} aria-labelledby={`title-${commitment.id}`}>
      <h2 id={`title-${commitment.id}`}>
        {commitment.number}. {commitment.title}
      </h2>
      <Loading state={docState}>
        {(doc) => (
          <>
            <DraftText doc={doc} commitment={commitment} />
            {implementing && <ProgressView commitment={commitment} milestones={doc.milestones.length} />}
            {open && <InputForm commitment={commitment} doc={doc} onSent={reloadInputs} />}
          </>
        )}
      </Loading>
      <h3>{t('pub.inputs')}</h3>
      <Loading state={inputs}>{({ inputs: list }) => <InputList inputs={list} />}</Loading>
    </article>
  )
}

function PublicPlan({ plan }: { plan: Plan }) {
  const open = consultationOpen(plan)
  const implementing = plan.stage === 'implementation'
  const published = plan.commitments.filter((c) => c.published)
  return (
    <section aria-labelledby={`plan-${plan.id}`}>
      <h2 id={`plan-${plan.id}`}>{plan.title}</h2>
      <ConsultationState plan={plan} />
      {published.length > 0 && <PlanDownloads plan={plan} />}
      {published.length === 0 ? (
        <p>{t('pub.none')}</p>
      ) : (
        <>
          <nav aria-label={t('pub.contents')}>
            <ul>
              {published.map((c) => (
                <li key={c.id}>
                  <a href={`#commitment-${c.id}`}>
                    {c.number}. {c.title}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {published.map((c) => (
            <PublicCommitment key={c.id} commitment={c} open={open} implementing={implementing} />
          ))}
        </>
      )}
    </section>
  )
}

export default function Public() {
  useLang()
  useTitle(t('pub.title'))
  const [state] = useLoad(() => api.get<{ plans: Plan[] }>('/api/plans'), [], 60000)
  return (
    <div class="public">
      <h1>{t('pub.title')}</h1>
      <p>{t('pub.intro')}</p>
      <Loading state={state}>{({ plans }) => <>{plans.map((plan) => <PublicPlan key={plan.id} plan={plan} />)}</>}</Loading>
      <AuditTrail />
    </div>
  )
}
