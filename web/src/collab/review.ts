// Comments and suggestions on a commitment: read live from the document's `review` root, which
// only the server writes (docs/contracts.md), and changed only through the HTTP API, so what a
// person sees there is what the log holds.
import * as Y from 'yjs'
import { api } from '../api'

export interface Author {
  person_id: string
  name: string
  organisation: string
  org_id: string
  stakeholder: string
}

export interface Reply {
  id: string
  author: Author
  body: string
  created_at: string
  edited_at: string | null
}

export interface Comment {
  id: string
  section: string
  quote: string
  body: string
  status: 'open' | 'resolved'
  on_deleted_text: boolean
  author: Author
  created_at: string
  edited_at: string | null
  stage: string | null
  session_id: string | null
  replies: Reply[]
  start: string | null
  end: string | null
}

export interface Decision {
  decision: 'accept' | 'reject'
  reason: string
  at: string
}

export interface Suggestion {
  id: string
  section: string
  quote: string
  replacement: string
  reason: string
  status: 'open' | 'accepted' | 'rejected'
  stale: boolean
  author: Author
  created_at: string
  decision: Decision | null
  decider: Author | null
  start: string | null
  end: string | null
}

export interface May {
  comment: boolean
  suggest: boolean
  decide: boolean
}

export const MAY_NOTHING: May = { comment: false, suggest: false, decide: false }

function plain(value: unknown): unknown {
  return value instanceof Y.AbstractType ? value.toJSON() : value
}

function entries<T extends { id: string; created_at: string }>(map: unknown): T[] {
  if (!(map instanceof Y.Map)) return []
  const out: T[] = []
  map.forEach((value, key) => {
    const item = plain(value)
    if (item && typeof item === 'object') out.push({ ...(item as T), id: (item as T).id ?? key })
  })
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
}

/** The `review` root as lists, refreshed whenever the server changes it. */
export class ReviewStore {
  comments: Comment[] = []
  suggestions: Suggestion[] = []
  private readonly root: Y.Map<unknown>
  private readonly listeners = new Set<() => void>()

  constructor(doc: Y.Doc) {
    this.root = doc.getMap('review')
    this.read()
    this.root.observeDeep(this.onChange)
  }

  private read(): void {
    this.comments = entries<Comment>(this.root.get('comments')).map((c) => ({ ...c, replies: c.replies ?? [] }))
    this.suggestions = entries<Suggestion>(this.root.get('suggestions'))
  }

  private readonly onChange = (): void => {
    this.read()
    for (const listener of this.listeners) listener()
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  destroy(): void {
    this.root.unobserveDeep(this.onChange)
    this.listeners.clear()
  }
}

export interface Anchor {
  start: string
  end: string
}

/** The HTTP side: every change goes through the server, which logs it and then writes the
 * `review` root; nothing here touches the Yjs document. */
export class ReviewApi {
  constructor(readonly documentId: string) {}

  private get base(): string {
    return `/api/documents/${encodeURIComponent(this.documentId)}`
  }

  may(): Promise<May> {
    return api.get<{ may?: May }>(`${this.base}/comments`).then((r) => ({ ...MAY_NOTHING, ...(r.may ?? {}) }))
  }

  comment(body: { section: string; body: string; quote?: string; anchor?: Anchor }): Promise<{ id: string }> {
    return api.post(`${this.base}/comments`, body)
  }

  reply(commentId: string, body: string): Promise<{ id: string }> {
    return api.post(`${this.base}/comments/${encodeURIComponent(commentId)}/replies`, { body })
  }

  editComment(commentId: string, body: string): Promise<unknown> {
    return api.patch(`${this.base}/comments/${encodeURIComponent(commentId)}`, { body })
  }

  editReply(commentId: string, replyId: string, body: string): Promise<unknown> {
    return api.patch(`${this.base}/comments/${encodeURIComponent(commentId)}/replies/${encodeURIComponent(replyId)}`, { body })
  }

  setStatus(commentId: string, status: 'open' | 'resolved'): Promise<unknown> {
    return api.post(`${this.base}/comments/${encodeURIComponent(commentId)}/status`, { status })
  }

  suggest(body: { section: string; quote: string; replacement: string; reason?: string; anchor?: Anchor }): Promise<{ id: string }> {
    return api.post(`${this.base}/suggestions`, body)
  }

  decide(suggestionId: string, decision: 'accept' | 'reject', reason: string): Promise<unknown> {
    return api.post(`${this.base}/suggestions/${encodeURIComponent(suggestionId)}/decision`, { decision, reason })
  }

  decideAllOf(author: string, decision: 'accept' | 'reject', reason: string): Promise<{ decided: string[]; skipped: { id: string; reason: string }[] }> {
    return api.post(`${this.base}/suggestions/decisions`, { author, decision, reason })
  }
}

/** Mentions travel inside a body as `@[Name](person:ID)` or `@[Org](org:ID)`. */
export const MENTION = /@\[([^\]\n]{1,200})\]\((person|org):([^)\s]{1,200})\)/g

export type BodyPart = { text: string } | { mention: string; kind: 'person' | 'org'; id: string }

export function bodyParts(body: string): BodyPart[] {
  const parts: BodyPart[] = []
  let last = 0
  for (const match of body.matchAll(MENTION)) {
    if (match.index > last) parts.push({ text: body.slice(last, match.index) })
    parts.push({ mention: match[1], kind: match[2] as 'person' | 'org', id: match[3] })
    last = match.index + match[0].length
  }
  if (last < body.length) parts.push({ text: body.slice(last) })
  return parts
}

export function mentionToken(name: string, kind: 'person' | 'org', id: string): string {
  return `@[${name.replace(/[[\]\n]/g, ' ')}](${kind}:${id})`
}
