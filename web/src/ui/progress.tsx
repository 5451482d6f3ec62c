// Implementation progress of one commitment: the latest status of each milestone (numbered
// from 1) and every report, with its author, time and evidence.
import { api, type Commitment, type Progress } from '../api'
import { formatDate, t } from '../i18n'
import type { Key } from '../messages'
import { useMe } from '../session'
import { ActionResult, Field, formValues, SubmitButton, useAction } from './forms'
import { Loading } from './Loading'
import { useLoad } from './useLoad'

const STATUSES = ['not_started', 'limited', 'substantial', 'complete', 'withdrawn'] as const

async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** A progress report (lead agency, Secretariat) or a monitoring note (the working group's
 * CSOs), with an optional evidence file; the server decides who may send which. */
function ReportForm({ commitment, milestones, onSent }: { commitment: Commitment; milestones: number; onSent: () => void }) {
  const me = useMe()
  const action = useAction()
  if (!me || me.stakeholder === 'public' || me.stakeholder === 'auditor') return null
  const monitoring = me.stakeholder === 'cso'
  const id = encodeURIComponent(commitment.id)
  return (
    <form
      class="report-form"
      aria-label={`${monitoring ? t('progress.monitoring') : t('progress.report')}: ${commitment.title}`}
      onSubmit={(event) => {
        event.preventDefault()
        const form = event.currentTarget
        const values = formValues(form)
        const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0]
        void action.run(async () => {
          const evidence: string[] = []
          if (file) {
            const stored = await api.post<{ sha256: string }>(`/api/commitments/${id}/evidence`, {
              filename: file.name,
              content_type: file.type || 'application/octet-stream',
              content_base64: await base64Of(file),
            })
            evidence.push(stored.sha256)
          }
          const body: Record<string, unknown> = { kind: monitoring ? 'monitoring' : 'progress', note: values.note ?? '', period: values.period ?? '', evidence }
          if (values.milestone) body.milestone = Number(values.milestone)
          if (!monitoring) body.status = values.status
          await api.post(`/api/commitments/${id}/progress`, body)
          form.reset()
          onSent()
          return t('progress.sent')
        })
      }}
    >
      <h4>{monitoring ? t('progress.monitoring') : t('progress.report')}</h4>
      <div class="grid">
        <Field label={t('progress.milestoneField')} name="milestone" required={!monitoring}>
          {monitoring && <option value="">–</option>}
          {Array.from({ length: milestones }, (_, i) => (
            <option key={i} value={String(i + 1)}>
              {t('progress.milestone', { n: i + 1 })}
            </option>
          ))}
        </Field>
        {!monitoring && (
          <Field label={t('progress.status')} name="status" required>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusName(s)}
              </option>
            ))}
          </Field>
        )}
        <Field label={t('progress.period')} name="period" required={!monitoring} />
      </div>
      <Field label={t('progress.note')} name="note" type="textarea" required={monitoring} />
      <Field label={t('progress.evidence')} name="file" type="file" help={t('progress.evidenceHelp')} />
      <ActionResult action={action} />
      <SubmitButton action={action} label={t('progress.send')} />
    </form>
  )
}

export const statusName = (status: string | null): string => (status ? t(`progress.${status}` as Key) : t('progress.none'))

export function ProgressView({ commitment, milestones }: { commitment: Commitment; milestones: number }) {
  const [state, reload] = useLoad(() => api.get<Progress>(`/api/commitments/${encodeURIComponent(commitment.id)}/progress`), [commitment.id], 60000)
  return (
    <section class="progress" data-testid={`progress-${commitment.id}`}>
      <h3>{t('pub.progress')}</h3>
      <Loading state={state}>
        {(progress) => {
          const files = new Map(progress.evidence.map((e) => [e.sha256, e]))
          const rows = progress.milestones.length > 0 ? progress.milestones : Array.from({ length: milestones }, (_, i) => ({ milestone: i + 1, status: null, period: null, report_id: null }))
          return (
            <>
              {rows.length > 0 && (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">{t('progress.status')}</th>
                        <th scope="col">{t('progress.period')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((row) => (
                        <tr key={row.milestone} data-milestone={row.milestone}>
                          <td>{t('progress.milestone', { n: row.milestone })}</td>
                          <td data-status={row.status ?? ''}>{statusName(row.status)}</td>
                          <td>{row.period ?? '–'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {progress.reports.length === 0 ? (
                <p class="muted">{t('pub.noProgress')}</p>
              ) : (
                <ol class="reports">
                  {progress.reports.map((report) => (
                    <li key={report.id} data-report={report.id}>
                      <p class="muted">
                        {report.kind === 'monitoring' ? t('progress.monitoring') : statusName(report.status)}
                        {report.milestone !== null && ` · ${t('progress.milestone', { n: report.milestone })}`}
                        {report.period && ` · ${report.period}`} · {report.by.name} ({report.by.org_name}), {formatDate(report.at)}
                        {report.on_behalf && ` · ${t('progress.onBehalf', { org: report.on_behalf_of ?? '' })}`}
                        {report.disputes && ` · ${t('progress.disputes')}`}
                      </p>
                      {report.note && <p>{report.note}</p>}
                      {(report.evidence.length > 0 || report.links.length > 0) && (
                        <ul class="inline-list">
                          {report.evidence.map((sha) => (
                            <li key={sha}>
                              <a href={files.get(sha)?.url ?? '#'} download>
                                {files.get(sha)?.filename ?? sha.slice(0, 12)}
                              </a>
                            </li>
                          ))}
                          {report.links.map((link) => (
                            <li key={link}>
                              <a href={link} rel="noopener noreferrer">
                                {link}
                              </a>
                            </li>
                          ))}
                        </ul>
                      )}
                    </li>
                  ))}
                </ol>
              )}
              <ReportForm commitment={commitment} milestones={milestones} onSent={reload} />
            </>
          )
        }}
      </Loading>
    </section>
  )
}
