// Where the server's exports live (audit/api.py, audit/exports/routes.py). Downloads are plain
// links: the session cookie goes with them and the server decides who gets what.
import type { Lang } from '../i18n'

export type PlanFormat = 'pdf' | 'docx'

const planPath = (plan: string): string => `/api/exports/${encodeURIComponent(plan)}`

/** The plan as a document; ``stage`` asks for that stage's snapshot rather than now. */
export function planDocumentUrl(plan: string, format: PlanFormat, language: Lang, stage: string | null = null): string {
  const query = new URLSearchParams({ lang: language })
  if (stage) query.set('stage', stage)
  return `${planPath(plan)}/plan.${format}?${query.toString()}`
}

export const openDataUrl = (plan: string, format: 'json' | 'zip'): string => `${planPath(plan)}/opendata.${format}`
export const evidenceUrl = (plan: string): string => `${planPath(plan)}/evidence.zip`
export const bundleUrl = (plan: string): string => `/api/audit/bundle?plan=${encodeURIComponent(plan)}`

export const CHECKPOINTS_URL = '/api/audit/checkpoints'
export const KEYS_URL = '/api/audit/keys'
/** The proof that the log today extends the one a checkpoint of ``size`` signed. */
export const consistencyUrl = (size: number): string => `/api/audit/consistency?from=${size}`

export interface Checkpoint {
  origin: string
  tree_size: number
  root: string
  tip_hash: string
  time: string
  /** The signed-note key hash (4 bytes, hex); checkpoints of note format 1 have key_id. */
  key_hash?: string
  key_id?: string
  signature: string
  note: string
}

/** How a checkpoint names the key that signed it (docs/audit-bundle.md, note formats). */
export const keyOf = (c: Checkpoint): string => c.key_hash ?? c.key_id ?? ''

export interface Checkpoints {
  origin: string
  checkpoints: Checkpoint[]
}

/** Newest first: a reader wants the latest checkpoint, the one to keep. */
export const newestFirst = (list: Checkpoint[]): Checkpoint[] => [...list].sort((a, b) => b.tree_size - a.tree_size)
