// The projections API (projections/api.py): history, time travel, attribution, comparison,
// contributions. Shapes as the server returns them.
import { api } from '../api'

export interface Person {
  person_id: string
  name?: string
  org_id?: string
  org_name?: string
  stakeholder?: string
  /** On the author of words that came in by accepting their suggestion: who accepted it, when. */
  accepted?: { suggestion_id: string; accepted_by: Person; accepted_at: string } | null
}

export interface HistoryEvent {
  position: number
  stream_version: number
  actor: Person
  plan_id: string | null
  stage: string | null
  session_id: string | null
  recorded_at: string
  inserted: number
  deleted: number
  summary: string // English
  summary_id?: string // Bahasa Indonesia
  /** Events of the negotiation (comment.created, suggestion.decided, ...) listed beside edits. */
  kind?: string
  negotiation?: { suggestion_id?: string; decision?: 'accept' | 'reject'; reason?: string; suggester?: string; replacement?: string; quote?: string } | null
}

export interface Run {
  text: string
  author: Person | null
}

export interface Attribution {
  position: number
  title: Run[]
  sections: Record<string, Run[]>
  authors: (Person & { chars: number })[]
}

export interface Snapshot {
  label: string
  next_stage: string | null
  position: number
  recorded_at: string
}

export interface Change {
  op: string
  removed: string
  added: string
  added_by: (Person | null)[]
  removed_text_by: (Person | null)[]
  removed_by: (Person | null)[]
}

export interface Comparison {
  from: { ref: string; position: number }
  to: { ref: string; position: number }
  sections: Record<string, Change[]>
}

export interface Contribution {
  org_id?: string
  org_name?: string
  stakeholder?: string
  stage?: string | null
  inserted: number
  deleted: number
  edits: number
}

export type Filters = Partial<Record<'person' | 'org' | 'stakeholder' | 'stage' | 'session', string>>

const MAX_EVENTS = 5000

const base = (documentId: string): string => `/api/documents/${encodeURIComponent(documentId)}`

export async function loadHistory(documentId: string, filters: Filters): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = []
  let after = 0
  while (events.length < MAX_EVENTS) {
    const query = new URLSearchParams({ ...filters, after: String(after), limit: '500' } as Record<string, string>)
    const page = await api.get<{ events: HistoryEvent[]; next_after: number | null }>(`${base(documentId)}/history?${query}`)
    events.push(...page.events)
    if (page.next_after == null) break
    after = page.next_after
  }
  return events
}

export const loadAttribution = (documentId: string, position: number) =>
  api.get<Attribution>(`${base(documentId)}/attribution?at=${position}`)

export const loadSnapshots = (documentId: string) =>
  api.get<{ snapshots: Snapshot[] }>(`${base(documentId)}/snapshots`).then((r) => r.snapshots)

export const loadComparison = (documentId: string, from: string, to: string) =>
  api.get<Comparison>(`${base(documentId)}/compare?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)

export const loadContributions = (documentId: string, groupBy: string) =>
  api
    .get<{ contributions: Contribution[] }>(`/api/contributions?document=${encodeURIComponent(documentId)}&group_by=${groupBy}`)
    .then((r) => r.contributions)

// Colours for organisations in authorship views: a strong colour for marks and legends and a
// light tint behind text, so dark text keeps its contrast.
const PALETTE: [string, string][] = [
  ['#1b5e20', '#dcedc8'],
  ['#0d47a1', '#d6e6fb'],
  ['#6a1b9a', '#ecdcf3'],
  ['#b71c1c', '#fadadd'],
  ['#8a4b00', '#fde9c8'],
  ['#006064', '#d2f1f3'],
  ['#4e342e', '#eadfd8'],
  ['#37474f', '#e3e8eb'],
]

export function orgColours(orgIds: string[]): Map<string, [string, string]> {
  const sorted = [...new Set(orgIds)].sort()
  return new Map(sorted.map((id, index) => [id, PALETTE[index % PALETTE.length]]))
}

export function personLabel(person: Person | null | undefined, unknown: string): string {
  if (!person) return unknown
  const name = person.name ?? person.person_id
  return person.org_name ? `${name} (${person.org_name})` : name
}
