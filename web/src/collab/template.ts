// The commitment template (OGP Support Unit's, as adapted by OGI): its Yjs root names, which
// the server-side readers use too (docs/contracts.md), and its words, which come from the server
// (GET /api/template, from commitment/labels.py) so the editor and the exported plan name every
// part alike.
import { api } from '../api'
import { lang } from '../i18n'

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

type Words = { id: string; en: string }
interface SectionWords {
  name: string
  letter: string
  heading_id: string
  heading_en: string
  question_id: string
  question_en: string
}
export interface TemplateContract {
  sections: SectionWords[]
  labels: Record<string, Words>
  groups: Record<string, Words>
}

const STORAGE_KEY = 'kokreasi.template'
let contract: TemplateContract | null = null

/** Fetch the template's words once, before the first page renders; offline, the copy kept from
 * the last visit serves. */
export async function loadTemplate(): Promise<void> {
  try {
    contract = await api.get<TemplateContract>('/api/template')
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(contract))
    } catch {
      // private mode: the words still hold for this page
    }
  } catch (error) {
    const kept = (() => {
      try {
        return localStorage.getItem(STORAGE_KEY)
      } catch {
        return null
      }
    })()
    if (!kept) throw error
    contract = JSON.parse(kept) as TemplateContract
  }
}

function words(): TemplateContract {
  if (!contract) throw new Error('the template was not loaded (loadTemplate)')
  return contract
}

function inLanguage(value: Words | undefined, fallback: string): string {
  if (!value) return fallback
  return lang() === 'en' ? value.en : value.id
}

function sectionWords(section: string): SectionWords | undefined {
  return words().sections.find((s) => s.name === section)
}

/** "B. Masalah publik" / "B. Public problem". */
export function sectionTitle(section: Section): string {
  const s = sectionWords(section)
  if (!s) return section
  return `${s.letter}. ${lang() === 'en' ? s.heading_en : s.heading_id}`
}

/** The guidance question of a section (A-G). */
export function sectionGuidance(section: Section): string {
  const s = sectionWords(section)
  if (!s) return ''
  return lang() === 'en' ? s.question_en : s.question_id
}

/** A field's label: 'title', 'meta.start_date', 'milestones.output', 'contacts.email', 'ogp_values.transparency'. */
export function fieldLabel(key: string): string {
  return inLanguage(words().labels[key], key)
}

/** The heading of a part of the template: 'meta', 'description', 'milestones', 'contacts'. */
export function groupLabel(key: string): string {
  return inLanguage(words().groups[key], key)
}

/** Any root of the document, named as a person reads it (presence, history). */
export function rootLabel(root: string): string {
  if ((SECTIONS as readonly string[]).includes(root)) return sectionTitle(root as Section)
  if (root === 'title') return fieldLabel('title')
  return groupLabel(root)
}

export const OGP_VALUES = ['transparency', 'participation', 'accountability'] as const

export const MILESTONE_FIELDS = ['activity', 'deliverable', 'start', 'end', 'output', 'actors'] as const
export type MilestoneField = (typeof MILESTONE_FIELDS)[number]
export const MAX_MILESTONES = 5

export const META_FIELDS = [
  ['number', 'text'],
  ['start_date', 'date'],
  ['end_date', 'date'],
  ['lead_agency', 'text'],
  ['policy_area', 'text'],
] as const

export const CONTACT_FIELDS = [
  ['name', 'text'],
  ['title', 'text'],
  ['department', 'text'],
  ['email', 'email'],
  ['phone', 'tel'],
  ['government', 'textarea'],
  ['others', 'textarea'],
] as const

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
