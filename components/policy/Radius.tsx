'use client'
import type { DryRun } from '@/components/hooks/usePolicy'

const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(2)}`

/** Dry-run result: what the change would have hit over the lookback window, per hour. */
export function Radius({ dryRun }: { dryRun: DryRun }) {
  const r = dryRun.radius
  return (
    <div data-testid="policy-radius" style={{ background: '#f6f6f6', padding: 8, margin: '8px 0' }}>
      <div>Over the last {r.lookbackHours} h this would have hit <b>{r.installsHit}</b> of {r.installsSeen} active installs ({r.subjects} named),</div>
      <div><b>{r.requestsHitPerHour}</b> of {r.requestsPerHour} requests/h and <b>{usd(r.spendHitPerHourMicros)}</b> of {usd(r.spendPerHourMicros)} spend/h.</div>
      {!dryRun.allowed.ok && <div style={{ color: 'crimson' }}>You cannot apply this: {dryRun.allowed.reason}</div>}
      {dryRun.needsApproval && <div>Global change: a second admin must approve it.</div>}
    </div>
  )
}
