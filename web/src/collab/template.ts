// The commitment template (OGP Support Unit's, as adapted by OGI) and its Yjs root names, which
// the server-side readers use too (docs/contracts.md).
import type { Key } from '../messages'

export const SECTIONS = [
  'lead_agency',
  'problem',
  'commitment',
  'solution',
  'ogp_values',
  'alignment',
  'additional',
] as const
export type Section = (typeof SECTIONS)[number]

export const sectionLabel = (section: Section): Key => `section.${section}`
export const sectionGuide = (section: Section): Key => `guide.${section}`

export const OGP_VALUES = ['transparency', 'participation', 'accountability'] as const

export const MILESTONE_FIELDS = ['activity', 'deliverable', 'start', 'end', 'output', 'actors'] as const
export type MilestoneField = (typeof MILESTONE_FIELDS)[number]
export const MAX_MILESTONES = 5

export const CONTACT_FIELDS = [
  ['name', 'editor.ct.name', 'text'],
  ['title', 'editor.ct.title', 'text'],
  ['department', 'editor.ct.department', 'text'],
  ['email', 'editor.ct.email', 'email'],
  ['phone', 'editor.ct.phone', 'tel'],
  ['government', 'editor.ct.government', 'textarea'],
  ['others', 'editor.ct.others', 'textarea'],
] as const satisfies readonly (readonly [string, Key, string])[]

/** Stakeholder colours, the ones the server stamps on presence (server/awareness.py), dark
 * enough for white label text. */
export const STAKEHOLDER_COLORS: Record<string, string> = {
  cso: '#2e7d32',
  kldi: '#1565c0',
  secretariat: '#6a1b9a',
  auditor: '#546e7a',
  public: '#b45309',
  system: '#424242',
}

export function stakeholderColor(stakeholder: string): string {
  return STAKEHOLDER_COLORS[stakeholder] ?? '#374151'
}
