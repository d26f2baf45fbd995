'use client'
import { useState } from 'react'
import { describeError } from '@/components/policy/errors'
import { useSaveUser, useUsers } from '@/components/hooks/useSettings'
import { QueryPanel } from '@/components/ui/Panel'
import { formBox } from './form-box'
import { ROLES, type Role } from '@/lib/auth/roles'
import type { LocalUser } from '@/lib/auth/users'

const ROLE_NOTE: Record<Role, string> = {
  viewer: 'read-only',
  finance: 'read-only plus budgets and exports',
  responder: 'alerts and install-level controls (on-call)',
  admin: 'everything, users and keys (security ops)',
}

interface Draft {
  userId: string
  displayName: string
  role: Role
  password: string
  disabled: boolean
  existing: boolean
}
const EMPTY: Draft = { userId: '', displayName: '', role: 'viewer', password: '', disabled: false, existing: false }

/** 18 random bytes as base64url: 24 characters, well above the 12 the server asks for. */
function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
}

/**
 * Local users: who may sign in and with which role. Disabling a user or
 * changing a password ends their sessions at once (server side); the server
 * refuses a change that would leave no enabled admin.
 */
export function UsersPanel() {
  const users = useUsers()
  const save = useSaveUser()
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [saved, setSaved] = useState<{ user: LocalUser; password: string } | null>(null)
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }))
    setSaved(null)
    save.reset()
  }
  const edit = (u: LocalUser) => {
    setDraft({ userId: u.userId, displayName: u.displayName, role: u.role, password: '', disabled: u.disabled, existing: true })
    setSaved(null)
    save.reset()
  }
  const submit = () => {
    save.mutate(
      {
        userId: draft.userId.trim(),
        displayName: draft.displayName.trim() || undefined,
        role: draft.role,
        password: draft.password || undefined,
        ...(draft.existing ? { disabled: draft.disabled } : {}),
      },
      {
        onSuccess: (r) => {
          setSaved({ user: r.user, password: draft.password })
          setDraft((d) => ({ ...d, password: '', existing: true }))
        },
      },
    )
  }
  const canSave = draft.userId.trim() !== '' && (draft.existing || draft.password.length >= 12) && !save.isPending

  return (
    <QueryPanel id="users" title="Users" sub={users.data ? `${users.data.users.length} local` : undefined} query={users} flush height={120}>
      {(d) => (
        <div style={{ display: 'grid', gap: 12 }}>
          <div className="table-wrap">
            <table className="data" data-testid="users-table">
              <thead>
                <tr>
                  <th scope="col">user</th>
                  <th scope="col">name</th>
                  <th scope="col">role</th>
                  <th scope="col">status</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {d.users.map((u) => (
                  <tr key={u.userId} data-user={u.userId}>
                    <td className="mono">{u.userId}</td>
                    <td>{u.displayName}</td>
                    <td>{u.role}</td>
                    <td>{u.disabled ? <span className="badge neutral">disabled</span> : <span className="badge resolved">active</span>}</td>
                    <td>
                      <button type="button" className="btn small" onClick={() => edit(u)} aria-label={`Edit ${u.userId}`}>
                        Edit
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <form
            style={{ ...formBox, margin: '0 12px 12px' }}
            data-testid="user-form"
            onSubmit={(e) => {
              e.preventDefault()
              if (canSave) submit()
            }}
          >
            <strong>{draft.existing ? `Edit ${draft.userId}` : 'Add a user'}</strong>
            <label className="select-label">
              User
              <input
                value={draft.userId}
                disabled={draft.existing}
                onChange={(e) => set({ userId: e.target.value })}
                placeholder="letters, digits, . _ @ -"
                maxLength={64}
                autoComplete="off"
              />
            </label>
            <label className="select-label">
              Display name
              <input value={draft.displayName} onChange={(e) => set({ displayName: e.target.value })} maxLength={128} autoComplete="off" />
            </label>
            <label className="select-label">
              Role
              <select value={draft.role} onChange={(e) => set({ role: e.target.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
              <span className="muted">{ROLE_NOTE[draft.role]}</span>
            </label>
            <div className="select-label">
              <label className="select-label">
                {draft.existing ? 'New password' : 'Password'}
                <input
                  type="text"
                  value={draft.password}
                  onChange={(e) => set({ password: e.target.value })}
                  minLength={12}
                  maxLength={1024}
                  autoComplete="new-password"
                  placeholder={draft.existing ? 'leave empty to keep' : 'at least 12 characters'}
                  data-testid="user-password"
                />
              </label>
              <button type="button" className="btn small" onClick={() => set({ password: generatePassword() })}>
                Generate
              </button>
            </div>
            {draft.existing && (
              <label className="select-label">
                <input type="checkbox" checked={draft.disabled} onChange={(e) => set({ disabled: e.target.checked })} /> Disabled (ends the user&apos;s
                sessions)
              </label>
            )}
            <div className="toolbar">
              <button type="submit" className="btn primary" disabled={!canSave}>
                {draft.existing ? 'Save' : 'Add user'}
              </button>
              {draft.existing && (
                <button type="button" className="btn" onClick={() => set(EMPTY)}>
                  New user
                </button>
              )}
            </div>
            {save.error && (
              <div className="state error" role="alert" data-testid="user-error">
                {describeError(save.error)}
              </div>
            )}
            {saved && (
              <div role="status" data-testid="user-saved">
                Saved {saved.user.userId} as {saved.user.role}
                {saved.user.disabled ? ', disabled' : ''}.
                {saved.password && (
                  <>
                    {' '}
                    Password: <code data-testid="user-saved-password">{saved.password}</code>. Give it to them now: it is stored only as a hash and is not shown
                    again.
                  </>
                )}
              </div>
            )}
          </form>
        </div>
      )}
    </QueryPanel>
  )
}
