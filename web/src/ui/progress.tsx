// Implementation progress of one commitment: the latest status of each milestone (numbered
// from 1) and every report, with its author, time and evidence.
import { api, type Commitment, type Progress } from '../api'
import { formatDate, t } from '../i18n'
import type { Key } from '../messages'
import { Loading } from './Loading'
import { useLoad } from './useLoad'

export const statusName = (status: string | null): string => (status ? t(`progress.${status}` as Key) : t('progress.none'))

export function ProgressView({ commitment, milestones }: { commitment: Commitment; milestones: number }) {
  const [state] = useLoad(() => api.get<Progress>(`/api/commitments/${encodeURIComponent(commitment.id)}/progress`), [commitment.id], 60000)
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
            </>
          )
        }}
      </Loading>
    </section>
  )
}
