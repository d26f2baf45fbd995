'use client'
import { useState } from 'react'
// Only the pure module: this file ships to the browser.
import { safeNext } from '@/lib/auth/safe-next'

function nextPath(): string {
  return safeNext(new URLSearchParams(window.location.search).get('next'))
}

export function SignInForm({ oidcIssuer }: { oidcIssuer: string | null }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: React.FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    // Plain fetch: one POST with nothing to cache or refetch. `finally` so that a network
    // failure (fetch rejects) cannot leave the button disabled for good.
    try {
      const res = await fetch('/api/auth/signin', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      })
      if (res.ok) {
        window.location.assign(nextPath())
        return
      }
      setError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `sign-in failed (HTTP ${res.status})`)
    } catch {
      setError('Could not reach the server. Check your connection and try again.')
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <form onSubmit={submit}>
        <label style={{ display: 'block', marginBottom: 8 }}>
          User <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label style={{ display: 'block', marginBottom: 8 }}>
          Password{' '}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" style={{ color: 'crimson' }}>
            {error}
          </p>
        )}
      </form>
      {oidcIssuer && (
        <p>
          <a href={`/api/auth/oidc/login?next=${encodeURIComponent(typeof window === 'undefined' ? '/' : nextPath())}`}>Sign in with {oidcIssuer}</a>
        </p>
      )}
    </>
  )
}
