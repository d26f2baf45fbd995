'use client'
import { useState } from 'react'
import { describeError } from '@/components/policy/errors'
import { useOidcUsers, useSetOidcUser } from '@/components/hooks/useSettings'
import { QueryPanel } from '@/components/ui/Panel'

const OIDC_USER_ID = /^\S+#\S+$/

/**
 * Single sign-on users: the identity provider decides who they are, Burnrate may still keep one out at once
 * (their sessions end, the callback refuses them) without waiting for the provider. Listed are the users with a
 * Burnrate-side state; a user id is `<issuer>#<sub>`, as the audit log shows it.
 */
export function OidcUsersPanel() {
  const users = useOidcUsers()
  const save = useSetOidcUser()
  const [userId, setUserId] = useState('')
  const set = (id: string, disabled: boolean) => save.mutate({ userId: id, disabled }, { onSuccess: () => setUserId('') })
  const valid = OIDC_USER_ID.test(userId.trim())
  return (
    <QueryPanel
      id="oidc-users"
      title="Single sign-on users"
      sub="disabled here, they cannot sign in whatever the provider says"
      query={users}
      flush
      height={80}
    >
      {(d) => (
        <div style={{ display: 'grid', gap: 12 }}>
          {d.users.length > 0 && (
            <div className="table-wrap">
              <table className="data" data-testid="oidc-users-table">
                <thead>
                  <tr>
                    <th scope="col">user (issuer#subject)</th>
                    <th scope="col">status</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {d.users.map((u) => (
                    <tr key={u.userId} data-user={u.userId}>
                      <td className="mono">{u.userId}</td>
                      <td>{u.disabled ? <span className="badge neutral">disabled</span> : <span className="badge resolved">allowed</span>}</td>
                      <td>
                        <button type="button" className="btn small" disabled={save.isPending} onClick={() => set(u.userId, !u.disabled)}>
                          {u.disabled ? `Allow ${u.userId}` : `Disable ${u.userId}`}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <form
            className="toolbar"
            style={{ margin: '0 12px 12px' }}
            data-testid="oidc-user-form"
            onSubmit={(e) => {
              e.preventDefault()
              if (valid) set(userId.trim(), true)
            }}
          >
            <label className="select-label">
              User id
              <input
                value={userId}
                onChange={(e) => setUserId(e.target.value)}
                placeholder="https://idp.example.com#subject"
                maxLength={512}
                autoComplete="off"
              />
            </label>
            <button type="submit" className="btn" disabled={!valid || save.isPending}>
              Disable
            </button>
            {save.error && (
              <div className="state error" role="alert" data-testid="oidc-user-error">
                {describeError(save.error)}
              </div>
            )}
          </form>
        </div>
      )}
    </QueryPanel>
  )
}
