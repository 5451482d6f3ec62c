// History of a commitment: replay, authorship, filters, stage compare, contributions.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type Commitment } from '../api'
import { Compare } from '../history/Compare'
import { Contributions } from '../history/Contributions'
import { loadHistory, type Filters, type HistoryEvent } from '../history/data'
import { Replay } from '../history/Replay'
import { serverText, t, useLang } from '../i18n'
import { Loading } from '../ui/Loading'
import { roleLabel } from '../ui/Header'
import { useLoad } from '../ui/useLoad'
import { useTitle } from '../ui/useTitle'
import { stageName } from '../ui/stages'

type FilterName = keyof Filters

function options(events: HistoryEvent[]): Record<FilterName, [string, string][]> {
  const unique = (pairs: [string, string][]): [string, string][] => [...new Map(pairs).entries()].sort((a, b) => a[1].localeCompare(b[1]))
  return {
    person: unique(events.map((e) => [e.actor.person_id, e.actor.name ?? e.actor.person_id])),
    org: unique(events.map((e) => [e.actor.org_id ?? '', e.actor.org_name ?? ''])),
    stakeholder: unique(events.map((e) => [e.actor.stakeholder ?? '', roleLabel(e.actor.stakeholder ?? '')])),
    stage: unique(events.filter((e) => e.stage).map((e) => [e.stage!, stageName(e.stage!)])),
    session: unique(events.filter((e) => e.session_id).map((e) => [e.session_id!, e.session_id!])),
  }
}

const FILTER_LABELS: Record<FilterName, 'hist.person' | 'hist.org' | 'hist.stakeholder' | 'hist.stage' | 'hist.session'> = {
  person: 'hist.person',
  org: 'hist.org',
  stakeholder: 'hist.stakeholder',
  stage: 'hist.stage',
  session: 'hist.session',
}

function HistoryOf({ commitment }: { commitment: Commitment }) {
  useLang()
  useTitle(t('hist.title', { number: commitment.number }))
  const documentId = commitment.document_id
  const [filters, setFilters] = useState<Filters>({})
  const [all, setAll] = useState<HistoryEvent[] | null>(null)
  const [events, setEvents] = useState<HistoryEvent[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    // The projections follow the log a moment behind; keep the list fresh while people watch.
    const load = (): void => {
      loadHistory(documentId, {}).then(
        (events) => setAll((previous) => (previous && previous.length === events.length ? previous : events)),
        (e: unknown) => setError(String(e instanceof Error ? e.message : e)),
      )
    }
    load()
    const timer = setInterval(load, 10000)
    return () => clearInterval(timer)
  }, [documentId])
  useEffect(() => {
    if (Object.keys(filters).length === 0) {
      setEvents(all)
      return
    }
    loadHistory(documentId, filters).then(setEvents, (e: unknown) => setError(String(e instanceof Error ? e.message : e)))
  }, [documentId, filters, all])
  const choices = useMemo(() => options(all ?? []), [all])
  return (
    <div class="history">
      <h1>
        {t('hist.title', { number: commitment.number })}: {commitment.title}
      </h1>
      <p>
        <a href={`/commitments/${encodeURIComponent(commitment.id)}`} data-route>
          {t('hist.back')}
        </a>
      </p>
      {error && (
        <p role="alert" class="error">
          {serverText(error)}
        </p>
      )}
      <fieldset class="filters">
        <legend>{t('hist.filters')}</legend>
        {(Object.keys(FILTER_LABELS) as FilterName[]).map((name) => (
          <div class="field" key={name}>
            <label for={`filter-${name}`}>{t(FILTER_LABELS[name])}</label>
            <select
              id={`filter-${name}`}
              value={filters[name] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value
                setFilters((previous) => {
                  const next = { ...previous }
                  if (value) next[name] = value
                  else delete next[name]
                  return next
                })
              }}
            >
              <option value="">{t('hist.all')}</option>
              {choices[name].map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        ))}
      </fieldset>
      {events === null ? <p aria-busy="true">{t('app.loading')}</p> : <Replay key={JSON.stringify(filters)} documentId={documentId} events={events} everyone={all ?? events} />}
      <Compare documentId={documentId} />
      <Contributions documentId={documentId} />
    </div>
  )
}

export default function History({ commitmentId }: { commitmentId: string }) {
  const [state] = useLoad(() => api.get<Commitment>(`/api/commitments/${encodeURIComponent(commitmentId)}`), [commitmentId])
  return <Loading state={state}>{(commitment) => <HistoryOf commitment={commitment} />}</Loading>
}
