// The JSON API under /api/. The session cookie travels with every request; the server decides
// what each person may see and do, the app only reflects its answers.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
  ) {
    super(message)
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { Accept: 'application/json' } : {
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (!response.ok) {
    // Errors are RFC 9457 problems: `detail` for people, `code` for programs.
    const body = (data && typeof data === 'object' ? data : {}) as { detail?: unknown; code?: unknown }
    const detail = body.detail ?? (response.statusText || `HTTP ${response.status}`)
    throw new ApiError(response.status, String(detail), body.code ? String(body.code) : '')
  }
  return data as T
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
}

export type Stakeholder = 'cso' | 'kldi' | 'secretariat' | 'public' | 'auditor' | 'system'

export interface Me {
  person_id: string
  name: string
  org_id: string
  org_name: string
  stakeholder: Stakeholder
}

export interface Commitment {
  id: string
  plan_id: string
  working_group_id: string
  number: string
  title: string
  document_id: string
  published: boolean
  can_write: boolean
  write_refusal: string
}

export interface StageChange {
  from: string
  to: string
  position: number
  at: string
  by: Me
  warnings: unknown[]
}

export interface Plan {
  id: string
  title: string
  period: string
  stage: string
  stage_name: { id: string; en: string }
  next_stage: string | null
  commitments: Commitment[]
  history: StageChange[]
  consultation: ConsultationWindow | null
  implementation: { opened_at: string; opened_by: Me; position: number } | null
}

export interface ConsultationWindow {
  opens: string
  closes: string
  state: 'upcoming' | 'open' | 'closed'
  announced_at: string
}

export interface ProgressReport {
  id: string
  commitment_id: string
  kind: 'progress' | 'monitoring'
  milestone: number | null
  status: string | null
  note: string
  period: string
  by: Me
  at: string
  on_behalf: boolean
  on_behalf_of: string | null
  disputes: string | null
  evidence: string[]
  links: string[]
}

export interface Progress {
  commitment_id: string
  reports: ProgressReport[]
  evidence: { sha256: string; filename: string; content_type: string; size: number; url: string; at: string }[]
  milestones: { milestone: number; status: string | null; period: string | null; report_id: string | null }[]
}

export interface Problem {
  code: string
  where: string
  message_id: string
  message_en: string
}

export interface Validation {
  commitment_id: string
  ok: boolean
  problems: Problem[]
}

export interface WorkingGroup {
  id: string
  plan_id: string
  theme: string
  description: string
  members: { org_id: string; org_name: string; person_id: string | null; criteria: Record<string, string>; added_at: string }[]
  commitment_ids: string[]
}

export interface Session {
  id: string
  plan_id: string
  method: string
  date: string
  title: string
  open: boolean
  attendance: { org_id: string; org_name: string }[]
  minutes: string
}

export interface InputResponse {
  status: string
  reason: string
  change_position: number | null
  by: Me
  at: string
}

export interface Input {
  id: string
  plan_id: string
  commitment_id: string
  target: { section?: string; milestone?: number }
  text: string
  name: string
  organisation: string
  submitted_at: string
  responses: InputResponse[]
  status: string
  contact?: string | null
  session_id?: string | null
  publish_name?: boolean
  channel?: string
  hidden?: { reason: string; at: string; by: Me } | null
}

/** The signed-in person, or null when nobody is signed in (or the server cannot say yet). */
export async function fetchMe(): Promise<Me | null> {
  try {
    return await api.get<Me>('/api/me')
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404)) {
      return null
    }
    throw error
  }
}
