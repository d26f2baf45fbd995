'use client'
import { ActionPanel } from '@/components/policy/ActionPanel'
import { usePolicy } from '@/components/hooks/usePolicy'
import { dateTimeZone } from '@/lib/format'
import { Badge } from '../../ui/Badge'
import { Panel } from '../../ui/Panel'

/**
 * Policy rules that reach this install (its own, its tenant's, its
 * features', global), and the action panel to change them.
 */
export function InstallPolicyPanel({ id, tenant }: { id: string; tenant: string }) {
  // The same /api/policy query as the Policies page: one cache entry, one poller.
  const { data, error } = usePolicy()
  const rules = (data?.rules ?? []).filter(
    (r) =>
      (r.scope === 'install' && r.subject === id) ||
      (r.scope === 'tenant' && r.subject === tenant) ||
      (r.scope === 'feature' && r.subject.startsWith(`${tenant}/`)) ||
      r.scope === 'global',
  )
  const revoked = rules.some((r) => r.active && r.scope === 'install' && r.controls.revoked)
  return (
    <Panel
      id="install-policy"
      title="Policy state"
      sub={data ? `policy v${data.version}` : undefined}
      actions={
        revoked ? (
          <Badge kind="critical">revoked</Badge>
        ) : rules.some((r) => r.active) ? (
          <Badge kind="warning">limited</Badge>
        ) : (
          <Badge kind="resolved">no rules</Badge>
        )
      }
    >
      {error && (
        <div className="small" style={{ color: 'var(--crit)' }}>
          Policy unavailable: {error.message}
        </div>
      )}
      {rules.length > 0 && (
        <ul className="reason-list" style={{ marginBottom: 10 }} data-testid="install-rules">
          {rules.map((r) => (
            <li key={r.key}>
              <span className="mono">
                {r.scope}:{r.subject}
              </span>{' '}
              {Object.keys(r.controls).map((c) => (
                <span key={c} className="chip">
                  {c}
                </span>
              ))}
              <span className="muted small">
                {' '}
                {r.active ? 'active' : 'inactive'}
                {r.until ? ` until ${dateTimeZone(r.until)}` : ''} · {r.reason}
              </span>
            </li>
          ))}
        </ul>
      )}
      <ActionPanel scope="install" subject={id} title={`Act on ${id}`} />
    </Panel>
  )
}
