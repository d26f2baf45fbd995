'use client'
import { useState } from 'react'
import { ApiError, fetchJson } from '../hooks/api'
import { useMe } from '../hooks/useMe'

/**
 * Who is signed in, and the way out: the server revokes the session, with an
 * audit entry, and clears the cookie. Offered also when the user cannot be
 * loaded (a session already ended), so the cookie can always be cleared.
 */
export function SignOut() {
  const me = useMe()
  // 'partial': the server cleared the cookie but could not record the revocation.
  const [state, setState] = useState<'idle' | 'busy' | 'failed' | 'partial'>('idle')
  if (me.isPending) return null
  const signOut = async () => {
    setState('busy')
    try {
      await fetchJson('/api/auth/signout', { method: 'POST' })
      // A full navigation, so no cached data of this session stays in memory.
      window.location.assign('/signin')
    } catch (err) {
      setState(err instanceof ApiError && err.status === 503 ? 'partial' : 'failed')
    }
  }
  return (
    <div className="nav-user" data-testid="nav-user">
      {me.user ? (
        <>
          <div className="nav-user-name" title={me.user.userId}>
            {me.user.displayName}
          </div>
          <div className="nav-user-role">{me.user.role}</div>
        </>
      ) : null}
      <button type="button" className="btn small" onClick={signOut} disabled={state === 'busy'}>
        {state === 'busy' ? 'Signing out…' : 'Sign out'}
      </button>
      {state === 'partial' ? (
        <div className="nav-user-error" role="alert">
          Signed out in this browser, but the server could not end the session; try again.
        </div>
      ) : null}
      {state === 'failed' ? (
        <div className="nav-user-error" role="alert">
          Sign-out failed; try again.
        </div>
      ) : null}
    </div>
  )
}
