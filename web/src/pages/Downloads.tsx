// Downloads for auditors and the Secretariat: the audit bundle, the evidence pack, the plan as
// a document (now or a stage as agreed, either language) and open data.
import { useState } from 'preact/hooks'
import { api, type Plan } from '../api'
import { AuditTrail } from '../audit/AuditTrail'
import { OpenDataLinks } from '../audit/PlanDownloads'
import { bundleUrl, evidenceUrl, planDocumentUrl, type PlanFormat } from '../audit/exports'
import { t, useLang, type Lang } from '../i18n'
import { useMe } from '../session'
import { useFieldId } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { stageName } from '../ui/stages'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'

function Choice<T extends string>(props: {
  label: string
  value: T
  onChange: (value: T) => void
  options: [T, string][]
  help?: string
}) {
  const id = useFieldId('dl')
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        aria-describedby={props.help ? `${id}-help` : undefined}
        onChange={(event) => props.onChange(event.currentTarget.value as T)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {props.help && (
        <p class="help" id={`${id}-help`}>
          {props.help}
        </p>
      )}
    </div>
  )
}

function PlanDocument({ plan }: { plan: Plan }) {
  const [format, setFormat] = useState<PlanFormat>('pdf')
  const reading = useLang()
  const [language, setLanguage] = useState<Lang>(reading)
  const [stage, setStage] = useState('now')
  // A stage has a snapshot once the plan has moved past it.
  const closed = plan.history.map((change) => change.from)
  const options: [string, string][] = [
    ['now', t('dl.current', { stage: stageName(plan.stage) })],
    ...closed.map((s): [string, string] => [s, t('dl.snapshot', { stage: stageName(s) })]),
  ]
  const href = planDocumentUrl(plan.id, format, language, stage === 'now' ? null : stage)
  const file = `${format.toUpperCase()} · ${t(`dl.lang.${language}`)} · ${options.find(([v]) => v === stage)?.[1] ?? ''}`
  return (
    <div class="plan-document">
      <h3>{t('dl.plan')}</h3>
      <div class="grid">
        <Choice label={t('dl.format')} value={format} onChange={setFormat} options={[['pdf', 'PDF'], ['docx', 'DOCX']]} />
        <Choice
          label={t('dl.language')}
          value={language}
          onChange={setLanguage}
          options={[
            ['id', t('dl.lang.id')],
            ['en', t('dl.lang.en')],
          ]}
        />
        <Choice label={t('dl.stage')} value={stage} onChange={setStage} options={options} help={t('dl.stageHelp')} />
      </div>
      <a class="button" href={href} download data-testid="plan-download">
        {t('dl.download', { file })}
      </a>
    </div>
  )
}

function PlanExports({ plan }: { plan: Plan }) {
  return (
    <section class="panel plan-exports" aria-labelledby={`exports-${plan.id}`}>
      <h2 id={`exports-${plan.id}`}>{plan.title}</h2>
      <h3>{t('dl.audit')}</h3>
      <p class="help">{t('dl.auditHelp')}</p>
      <ul class="download-list">
        <li>
          <a class="button" href={bundleUrl(plan.id)} download>
            {t('dl.bundle')}
          </a>
        </li>
        <li>
          <a class="button" href={evidenceUrl(plan.id)} download>
            {t('dl.evidence')}
          </a>
        </li>
      </ul>
      <PlanDocument plan={plan} />
      <h3>{t('dl.opendata')}</h3>
      <ul class="download-list">
        <OpenDataLinks planId={plan.id} />
      </ul>
    </section>
  )
}

export const DOWNLOAD_READERS = new Set(['auditor', 'secretariat'])

export default function Downloads() {
  useLang()
  useTitle(t('dl.title'))
  const me = useMe()
  const allowed = me !== null && DOWNLOAD_READERS.has(me.stakeholder)
  const [state] = useLoad(() => (allowed ? api.get<{ plans: Plan[] }>('/api/plans') : Promise.resolve({ plans: [] })), [allowed])
  return (
    <div class="downloads-page">
      <h1>{t('dl.title')}</h1>
      {!allowed ? (
        <p class="notice">
          {t('dl.forbidden')} <a href="/public" data-route>{t('nav.public')}</a>
        </p>
      ) : (
        <>
          <p>{t('dl.intro')}</p>
          <Loading state={state}>{({ plans }) => <>{plans.map((plan) => <PlanExports key={plan.id} plan={plan} />)}</>}</Loading>
          <AuditTrail />
        </>
      )}
    </div>
  )
}
