'use client'
import type { DryRunResponse } from '@/lib/policy/api-types'
import { count, usd } from '@/lib/format'

/**
 * Dry-run result: what the change would have hit over the lookback window,
 * per hour. This is the last look before a revoke, so it uses the theme's
 * panel and text colours (readable in dark and light) and the shared money
 * format (sub-cent spend does not collapse to $0.00).
 */
export function Radius({ dryRun }: { dryRun: DryRunResponse }) {
  const r = dryRun.radius
  return (
    <div
      data-testid="policy-radius"
      style={{ background: 'var(--panel-2)', color: 'var(--text)', border: '1px solid var(--border)', borderRadius: 6, padding: 8 }}
    >
      <div>
        Over the last {r.lookbackHours} h this would have hit <b style={{ color: 'var(--text-strong)' }}>{count(r.installsHit)}</b> of {count(r.installsSeen)}{' '}
        active installs ({count(r.subjects)} named),
      </div>
      <div>
        <b style={{ color: 'var(--text-strong)' }}>{count(r.requestsHitPerHour)}</b> of {count(r.requestsPerHour)} requests/h and{' '}
        <b style={{ color: 'var(--text-strong)' }}>{usd(r.spendHitPerHourMicros)}</b> of {usd(r.spendPerHourMicros)} spend/h.
      </div>
      {!dryRun.allowed.ok && (
        <div role="alert" style={{ color: 'var(--crit)' }}>
          You cannot apply this: {dryRun.allowed.reason}
        </div>
      )}
      {dryRun.needsApproval && <div style={{ color: 'var(--warn)' }}>Global change: a second admin must approve it.</div>}
    </div>
  )
}
