// The timeline slider: replays the document event by event, with the text coloured by the
// organisation that wrote it.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { SECTIONS, fieldLabel, sectionTitle } from '../collab/template'
import { formatDate, lang, t } from '../i18n'
import { roleLabel } from '../ui/Header'
import { stageName } from '../ui/stages'
import { loadAttribution, orgColours, personLabel, type Attribution, type HistoryEvent, type Person, type Run } from './data'

function Runs({ runs, colours, colour }: { runs: Run[]; colours: Map<string, [string, string]>; colour: boolean }) {
  if (runs.length === 0) return <p class="muted">–</p>
  return (
    <p class="runs">
      {runs.map((run, index) => {
        const org = run.author?.org_id ?? ''
        const pair = colours.get(org)
        const accepted = run.author?.accepted
        return (
          <span
            key={index}
            class={accepted ? 'run accepted' : 'run'}
            data-org={org}
            data-accepted-by={accepted?.accepted_by.person_id}
            title={
              accepted
                ? t('hist.acceptedTitle', {
                    author: personLabel(run.author, t('hist.unknown')),
                    decider: personLabel(accepted.accepted_by, t('hist.unknown')),
                    at: formatDate(accepted.accepted_at),
                  })
                : personLabel(run.author, t('hist.unknown'))
            }
            style={colour && pair ? { background: pair[1], boxShadow: `inset 0 -2px 0 ${pair[0]}` } : undefined}
          >
            {run.text}
            {accepted && <sup class="accepted-by">{t('hist.acceptedBy', { name: accepted.accepted_by.name ?? accepted.accepted_by.person_id })}</sup>}
          </span>
        )
      })}
    </p>
  )
}

/** A decision on a suggestion, with the suggester as the history knows them (their events). */
function suggestionDecision(event: HistoryEvent, events: HistoryEvent[]): { decision: string; reason: string; suggester: Person } | null {
  const n = event.negotiation
  if (event.kind !== 'suggestion.decided' || !n || !n.suggester) return null
  const known = events.find((e) => e.actor.person_id === n.suggester)?.actor
  return { decision: n.decision ?? '', reason: n.reason ?? '', suggester: known ?? { person_id: n.suggester } }
}

export function Replay({ documentId, events, everyone = events }: { documentId: string; events: HistoryEvent[]; everyone?: HistoryEvent[] }) {
  const [index, setIndex] = useState(events.length - 1)
  const [followLatest, setFollowLatest] = useState(true)
  const [colour, setColour] = useState(true)
  const [shown, setShown] = useState<Attribution | null>(null)
  // New events arrive while the page is open; stay at the newest unless replaying the past.
  useEffect(() => {
    if (followLatest || index >= events.length) setIndex(events.length - 1)
  }, [events])
  const go = (next: number): void => {
    setIndex(next)
    setFollowLatest(next === events.length - 1)
  }
  const event = events[index]
  const decision = event && suggestionDecision(event, everyone)
  useEffect(() => {
    if (!event) return
    let live = true
    // Wait for the slider to settle before asking the server to replay.
    const timer = setTimeout(() => {
      loadAttribution(documentId, event.position).then((value) => live && setShown(value), () => undefined)
    }, 120)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [documentId, event?.position])
  const colours = useMemo(() => orgColours((shown?.authors ?? []).map((a) => a.org_id ?? '')), [shown])
  if (events.length === 0) return <p>{t('hist.noEvents')}</p>
  const orgTotals = new Map<string, { name: string; chars: number }>()
  for (const author of shown?.authors ?? []) {
    const key = author.org_id ?? ''
    const entry = orgTotals.get(key) ?? { name: author.org_name ?? key, chars: 0 }
    entry.chars += author.chars
    orgTotals.set(key, entry)
  }
  return (
    <section class="panel" aria-labelledby="replay-heading">
      <h2 id="replay-heading">{t('hist.replay')}</h2>
      <div class="slider">
        <label for="history-slider">{t('hist.sliderLabel')}</label>
        <input
          id="history-slider"
          type="range"
          min={0}
          max={events.length - 1}
          step={1}
          value={index}
          aria-valuetext={t('hist.slider', { n: index + 1, total: events.length })}
          onInput={(e) => go(Number(e.currentTarget.value))}
        />
        <div class="slider-buttons">
          <button type="button" class="secondary" disabled={index === 0} onClick={() => go(index - 1)}>
            {t('hist.previous')}
          </button>
          <span aria-live="polite" data-testid="event-counter">
            {t('hist.slider', { n: index + 1, total: events.length })}
          </span>
          <button type="button" class="secondary" disabled={index === events.length - 1} onClick={() => go(index + 1)}>
            {t('hist.next')}
          </button>
          <button type="button" class="secondary" disabled={index === events.length - 1} onClick={() => go(events.length - 1)}>
            {t('hist.latest')}
          </button>
        </div>
      </div>
      {event && (
        <p class="event" data-testid="event">
          <strong>{event.actor.name}</strong> ({event.actor.org_name}, {roleLabel(event.actor.stakeholder ?? '')}) · {formatDate(event.recorded_at)}{' '}
          {new Date(event.recorded_at).toLocaleTimeString()}
          {event.stage && <> · {stageName(event.stage)}</>} · {t('hist.counts', { inserted: event.inserted, deleted: event.deleted })}
          {decision && (
            <span data-testid="event-suggestion">
              {' · '}
              {decision.decision === 'accept'
                ? t('hist.suggestionAccepted', { author: personLabel(decision.suggester, t('hist.unknown')), decider: personLabel(event.actor, t('hist.unknown')) })
                : t('hist.suggestionRejected', {
                    author: personLabel(decision.suggester, t('hist.unknown')),
                    decider: personLabel(event.actor, t('hist.unknown')),
                    reason: decision.reason,
                  })}
            </span>
          )}
          {event.summary && (
            <span class="muted"> · {lang() === 'id' ? event.summary_id ?? event.summary : event.summary}</span>
          )}
        </p>
      )}
      <label class="check">
        <input type="checkbox" checked={colour} onChange={(e) => setColour(e.currentTarget.checked)} /> {t('hist.colour')}
      </label>
      {colour && orgTotals.size > 0 && (
        <ul class="legend" aria-label={t('hist.legend')}>
          {[...orgTotals.entries()].map(([org, entry]) => (
            <li key={org}>
              <span class="swatch square" style={{ background: colours.get(org)?.[1], borderColor: colours.get(org)?.[0] }} aria-hidden="true" />
              {entry.name}: {t('hist.chars', { n: entry.chars })}
            </li>
          ))}
        </ul>
      )}
      {shown && (
        <div class="replayed" data-testid="replayed" data-position={shown.position} aria-label={t('hist.textAt', { position: shown.position })}>
          <h3>{fieldLabel('title')}</h3>
          <Runs runs={shown.title} colours={colours} colour={colour} />
          {SECTIONS.map((name) => (
            <div key={name} data-section={name}>
              <h3>{sectionTitle(name)}</h3>
              <Runs runs={shown.sections[name] ?? []} colours={colours} colour={colour} />
            </div>
          ))}
        </div>
      )}
    </section>
  )
}
