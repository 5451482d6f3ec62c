// What every part of the editor page shares about comments and suggestions: the live store, the
// API, what the server says this person may do, and the sections' editors (for anchors).
import { createContext } from 'preact'
import { useContext, useEffect, useState } from 'preact/hooks'
import { api, type Me } from '../api'
import { MAY_NOTHING, type Anchor, type Comment, type May, type ReviewApi, type ReviewStore, type Suggestion } from '../collab/review'
import { SECTIONS } from '../collab/template'
import type { SectionReview } from './reviewPlugin'

export interface MentionTarget {
  kind: 'person' | 'org'
  id: string
  name: string
  detail: string
}

/** A comment being written: on which column, and on what text when a selection was made. */
export interface Draft {
  column: string
  anchor?: Anchor
  quote?: string
}

export class Review {
  may: May = MAY_NOTHING
  composing: Draft | null = null
  readonly sections = new Map<string, SectionReview>()
  private readonly listeners = new Set<() => void>()
  private mentionables: Promise<MentionTarget[]> | null = null

  constructor(
    readonly store: ReviewStore,
    readonly api: ReviewApi,
    readonly me: Me,
  ) {}

  setMay(may: May): void {
    this.may = may
    this.changed()
  }

  register(section: string, review: SectionReview): () => void {
    this.sections.set(section, review)
    this.changed()
    return () => {
      if (this.sections.get(section) === review) this.sections.delete(section)
      this.changed()
    }
  }

  /** Open the comment box of a column, on the text selected in its editor if any. */
  startComment(column: string): void {
    const selected = this.sections.get(column)?.selectionAnchor() ?? null
    this.composing = { column, ...(selected ?? {}) }
    this.changed()
  }

  stopComment(): void {
    this.composing = null
    this.changed()
  }

  changed(): void {
    for (const listener of this.listeners) listener()
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    const off = this.store.subscribe(listener)
    return () => {
      this.listeners.delete(listener)
      off()
    }
  }

  /** Bring a thread or suggestion card into view and give it the focus. */
  select(id: string): void {
    const card = document.getElementById(`thread-${id}`) ?? document.getElementById(`suggestion-${id}`)
    if (!card) return
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
    card.focus({ preventScroll: true })
  }

  /** People and organisations one can mention, fetched once, on first use. */
  mentionTargets(): Promise<MentionTarget[]> {
    this.mentionables ??= Promise.all([
      api.get<{ people: { id: string; name: string; org_name: string; active: boolean }[] }>('/api/people'),
      api.get<{ organisations: { id: string; name: string }[] }>('/api/organisations'),
    ]).then(([people, orgs]) => [
      ...people.people
        .filter((p) => p.active)
        .map((p): MentionTarget => ({ kind: 'person', id: p.id, name: p.name, detail: p.org_name }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      ...orgs.organisations
        .map((o): MentionTarget => ({ kind: 'org', id: o.id, name: o.name, detail: '' }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ])
    this.mentionables.catch(() => {
      this.mentionables = null
    })
    return this.mentionables
  }
}

export const ReviewContext = createContext<Review | null>(null)

/** The review, re-rendering the component on every change of the store or the permissions. */
export function useReview(): Review | null {
  const review = useContext(ReviewContext)
  const [, setTick] = useState(0)
  useEffect(() => review?.subscribe(() => setTick((n) => n + 1)), [review])
  return review
}

/** Re-render when a section's editor recomputes what the text says about its anchors. */
export function useSectionLive(review: Review | null, section: string): SectionReview | null {
  const controller = review?.sections.get(section) ?? null
  const [, setTick] = useState(0)
  useEffect(() => controller?.subscribe(() => setTick((n) => n + 1)), [controller])
  return controller
}

/** Which column shows a comment: its section's, else the commitment's as a whole. */
export function columnOf(section: string): string {
  if ((SECTIONS as readonly string[]).includes(section) || section === 'title') return section
  if (section.startsWith('milestones')) return 'milestones'
  if (section.startsWith('contacts')) return 'contacts'
  return '*'
}

export function inColumn<T extends Comment | Suggestion>(items: T[], column: string): T[] {
  return items.filter((item) => columnOf(item.section) === column)
}

export function reviewShown(review: Review | null): boolean {
  if (!review) return false
  const { may, store } = review
  return may.comment || may.suggest || store.comments.length > 0 || store.suggestions.length > 0
}
