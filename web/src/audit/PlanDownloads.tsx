// The published plan as documents and open data: links anyone may follow. For the public the
// server leaves out commitments the Secretariat has not published.
import type { Plan } from '../api'
import { t, type Lang } from '../i18n'
import { openDataUrl, planDocumentUrl, type PlanFormat } from './exports'

const LANGS: Lang[] = ['id', 'en']
const FORMATS: [PlanFormat, 'dl.planPdf' | 'dl.planDocx'][] = [
  ['pdf', 'dl.planPdf'],
  ['docx', 'dl.planDocx'],
]

export function PlanDownloads({ plan }: { plan: Plan }) {
  return (
    <section class="downloads" aria-labelledby={`downloads-${plan.id}`}>
      <h3 id={`downloads-${plan.id}`}>{t('dl.published')}</h3>
      <ul class="download-list">
        {FORMATS.flatMap(([format, label]) =>
          LANGS.map((language) => (
            <li key={`${format}-${language}`}>
              <a class="button secondary" href={planDocumentUrl(plan.id, format, language)} download hrefLang={language}>
                {t(label, { lang: t(`dl.lang.${language}`) })}
              </a>
            </li>
          )),
        )}
        <OpenDataLinks planId={plan.id} />
      </ul>
    </section>
  )
}

/** The plan's open data (JSON, and CSV in a zip), as list items of a download list. */
export function OpenDataLinks({ planId }: { planId: string }) {
  return (
    <>
      <li>
        <a class="button secondary" href={openDataUrl(planId, 'json')} download>
          {t('dl.json')}
        </a>
      </li>
      <li>
        <a class="button secondary" href={openDataUrl(planId, 'zip')} download>
          {t('dl.csv')}
        </a>
      </li>
    </>
  )
}
