// The validation report of the commitment (the template's rules, checked by the server), kept
// beside the text and refreshed a moment after the text changes.
import { useEffect, useState } from 'preact/hooks'
import { api, type Problem, type Validation as Report } from '../api'
import type { DocumentConnection } from '../collab/connection'
import { SECTIONS } from '../collab/template'
import { t } from '../i18n'

export function problemText(problem: Problem, lang: string): string {
  return lang === 'en' ? problem.message_en : problem.message_id
}

/** Where in the page a problem's ``where`` ("problem", "milestones[2]", "meta") points. */
function anchorOf(where: string): string {
  if ((SECTIONS as readonly string[]).includes(where)) return `section-${where}`
  if (where.startsWith('milestones')) return 'milestones-heading'
  if (where === 'title') return 'field-title'
  if (where === 'meta') return 'meta-number'
  return 'main'
}

export function Validation({ conn, commitmentId, lang }: { conn: DocumentConnection; commitmentId: string; lang: string }) {
  const [report, setReport] = useState<Report | null>(null)
  useEffect(() => {
    let timer = 0
    let stopped = false
    const load = (): void => {
      api.get<Report>(`/api/commitments/${encodeURIComponent(commitmentId)}/validation`).then(
        (value) => !stopped && setReport(value),
        () => undefined, // keep showing the last report; the status line tells about the link
      )
    }
    const later = (): void => {
      clearTimeout(timer)
      timer = window.setTimeout(load, 1200)
    }
    load()
    conn.doc.on('update', later)
    return () => {
      stopped = true
      clearTimeout(timer)
      conn.doc.off('update', later)
    }
  }, [conn, commitmentId])
  return (
    <section class="panel" aria-labelledby="validation-heading">
      <h2 id="validation-heading">{t('editor.validation')}</h2>
      {report === null && <p aria-busy="true">{t('app.loading')}</p>}
      {report && report.problems.length === 0 && <p class="ok">{t('editor.validationOk')}</p>}
      {report && report.problems.length > 0 && (
        <ul class="issues" data-testid="validation">
          {report.problems.map((problem, index) => (
            <li key={`${problem.code}-${index}`} data-code={problem.code}>
              <a href={`#${anchorOf(problem.where)}`}>{problemText(problem, lang)}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
