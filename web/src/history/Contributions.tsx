// Contributions per organisation and per stakeholder type, per stage: a table (the data) and
// a bar chart of the same numbers.
import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { roleLabel } from '../ui/Header'
import { STAGES, stageName } from '../ui/stages'
import { loadContributions, type Contribution } from './data'

const STAGE_COLOURS: Record<string, string> = {
  setup: '#9e9e9e',
  draft1: '#1b5e20',
  draft2: '#0d47a1',
  draft3: '#6a1b9a',
  draft4: '#8a4b00',
  final: '#37474f',
}

interface Row {
  key: string
  label: string
  byStage: Map<string, Contribution>
}

function rowsOf(items: Contribution[], keyOf: (c: Contribution) => string, labelOf: (c: Contribution) => string): Row[] {
  const rows = new Map<string, Row>()
  for (const item of items) {
    const key = keyOf(item)
    const row = rows.get(key) ?? { key, label: labelOf(item), byStage: new Map() }
    row.byStage.set(item.stage ?? '', item)
    rows.set(key, row)
  }
  return [...rows.values()]
}

function Chart({ rows, stages, caption }: { rows: Row[]; stages: string[]; caption: string }) {
  const max = Math.max(1, ...rows.map((r) => [...r.byStage.values()].reduce((n, c) => n + c.inserted, 0)))
  const barHeight = 22
  const labelWidth = 200
  const width = 640
  const height = rows.length * (barHeight + 8) + 30
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={caption} width="100%">
        {rows.map((row, i) => {
          let x = labelWidth
          const y = i * (barHeight + 8)
          return (
            <g key={row.key}>
              <text x={0} y={y + barHeight * 0.7} font-size="12" fill="#1f2933">
                {row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label}
              </text>
              {stages.map((stage) => {
                const value = row.byStage.get(stage)?.inserted ?? 0
                const w = (value / max) * (width - labelWidth - 10)
                const rect = <rect key={stage} x={x} y={y} width={w} height={barHeight} fill={STAGE_COLOURS[stage] ?? '#555'} />
                x += w
                return rect
              })}
            </g>
          )
        })}
        {stages.map((stage, i) => (
          <g key={stage} transform={`translate(${labelWidth + i * 75}, ${height - 14})`}>
            <rect width={10} height={10} fill={STAGE_COLOURS[stage] ?? '#555'} />
            <text x={14} y={9} font-size="11" fill="#1f2933">
              {stageName(stage)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption class="muted">{caption}</figcaption>
    </figure>
  )
}

function Table({ rows, stages, heading, rowHeader }: { rows: Row[]; stages: string[]; heading: string; rowHeader: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{heading}</caption>
        <thead>
          <tr>
            <th scope="col">{rowHeader}</th>
            {stages.map((stage) => (
              <th scope="col" key={stage}>
                {stageName(stage)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-row={row.key}>
              <th scope="row">{row.label}</th>
              {stages.map((stage) => {
                const c = row.byStage.get(stage)
                return (
                  <td key={stage}>
                    {c ? (
                      <>
                        +{c.inserted} / −{c.deleted}
                        <br />
                        <span class="muted">
                          {c.edits} {t('hist.edits').toLowerCase()}
                        </span>
                      </>
                    ) : (
                      '–'
                    )}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function Contributions({ documentId }: { documentId: string }) {
  const [byOrg, setByOrg] = useState<Contribution[] | null>(null)
  const [byType, setByType] = useState<Contribution[] | null>(null)
  useEffect(() => {
    loadContributions(documentId, 'org,stage').then(setByOrg, () => setByOrg([]))
    loadContributions(documentId, 'stakeholder,stage').then(setByType, () => setByType([]))
  }, [documentId])
  if (!byOrg || !byType) return <p aria-busy="true">{t('app.loading')}</p>
  const present = new Set([...byOrg, ...byType].map((c) => c.stage ?? ''))
  const stages = STAGES.filter((s) => present.has(s))
  const orgRows = rowsOf(byOrg, (c) => c.org_id ?? '', (c) => c.org_name ?? c.org_id ?? '')
  const typeRows = rowsOf(byType, (c) => c.stakeholder ?? '', (c) => roleLabel(c.stakeholder ?? ''))
  if (orgRows.length === 0) {
    return (
      <section class="panel" aria-labelledby="contributions-heading">
        <h2 id="contributions-heading">{t('hist.contributions')}</h2>
        <p class="muted">{t('hist.noEvents')}</p>
      </section>
    )
  }
  return (
    <section class="panel" aria-labelledby="contributions-heading">
      <h2 id="contributions-heading">{t('hist.contributions')}</h2>
      <Table rows={orgRows} stages={stages} heading={t('hist.byOrg')} rowHeader={t('hist.org')} />
      <Chart rows={orgRows} stages={stages} caption={`${t('hist.chart')}: ${t('hist.byOrg').toLowerCase()}`} />
      <Table rows={typeRows} stages={stages} heading={t('hist.byType')} rowHeader={t('hist.stakeholder')} />
      <Chart rows={typeRows} stages={stages} caption={`${t('hist.chart')}: ${t('hist.byType').toLowerCase()}`} />
    </section>
  )
}
