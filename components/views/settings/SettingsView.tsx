'use client'
import { useMe } from '@/components/hooks/useMe'
import { EmptyState, ErrorState, LoadingState, Panel } from '@/components/ui/Panel'
import { KeysPanel } from './KeysPanel'
import { TestSourcesPanel } from './TestSourcesPanel'
import { OidcUsersPanel } from './OidcUsersPanel'
import { UsersPanel } from './UsersPanel'

/**
 * Admin settings: users, policy signing keys and declared test traffic. Every change goes through
 * an audited API; other roles get a note instead of requests that would be refused.
 */
export function SettingsView() {
  const me = useMe()
  const head = (
    <div className="page-head">
      <div>
        <h1>Settings</h1>
        <p>
          Who may sign in, with which role, the keys that sign the policy gateways enforce, and the test traffic that pages no one. Every change here is in the
          audit log.
        </p>
      </div>
    </div>
  )
  if (!me.role)
    return (
      <div className="grid">
        {head}
        {me.error ? <ErrorState error={me.error} /> : <LoadingState height={200} />}
      </div>
    )
  if (me.role !== 'admin') {
    return (
      <div className="grid">
        {head}
        <Panel id="settings-denied" title="Admins only">
          <EmptyState>Users and keys are managed by admins; you are signed in as {me.role}.</EmptyState>
        </Panel>
      </div>
    )
  }
  return (
    <div className="grid">
      {head}
      <UsersPanel />
      <OidcUsersPanel />
      <KeysPanel />
      <TestSourcesPanel />
    </div>
  )
}
