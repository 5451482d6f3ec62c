// Signing in is opening the invitation link (GET /invite/{token}), which sets the session
// cookie; signing out asks the server to end the session, since the cookie is HttpOnly.
import { api } from './api'
import { forgetOffline } from './offline'

export const SIGN_OUT_PATH = '/api/signout'

export async function signOut(): Promise<void> {
  try {
    await api.post(SIGN_OUT_PATH)
    await forgetOffline()
  } finally {
    location.assign('/signin?signed_out=1')
  }
}

/** The invitation token in a pasted link (…/invite/TOKEN) or a bare token. */
export function invitationPath(input: string): string | null {
  const text = input.trim()
  if (!text) return null
  const match = /\/invite\/([A-Za-z0-9._~-]+)/.exec(text)
  if (match) return `/invite/${match[1]}`
  if (/^[A-Za-z0-9._~-]{8,}$/.test(text)) return `/invite/${text}`
  return null
}
