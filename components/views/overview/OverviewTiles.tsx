'use client'
import { compact, count, percent, usd } from '@/lib/format'
import { UNRESOLVED, useAlerts } from '../../hooks/useAlerts'
import { useOverviewKpis } from '../../hooks/useOverview'
import { ErrorState } from '../../ui/Panel'
import { StatTile, tileError } from '../../ui/StatTile'

export function OverviewTiles() {
  const { data: k, error, isPending } = useOverviewKpis()
  // The same request as the Unresolved alerts panel beside it, so the two always show the same number.
  const alerts = useAlerts(UNRESOLVED)
  if (error && !k) return <ErrorState error={error} />
  const minutes = k ? (k.to - k.from) / 60_000 : 1
  const unresolved = alerts.data?.total
  const loading = isPending
  return (
    <div className="grid tiles" data-testid="overview-tiles">
      <StatTile
        id="spend"
        label="Spend"
        value={k ? usd(k.spendMicros) : ''}
        hint={k ? `${usd(k.spendMicros / minutes)}/min avg` : undefined}
        loading={loading}
      />
      <StatTile
        id="spend-now"
        label="Spend, last minute"
        value={k ? usd(k.lastMinute.spendMicros) : ''}
        hint={k ? `${count(k.lastMinute.requests)} requests` : undefined}
        loading={loading}
      />
      <StatTile
        id="requests"
        label="Requests"
        value={k ? count(k.requests) : ''}
        hint={k ? `${compact(k.requests / minutes)}/min · ${count(k.upstreamErrors)} errors` : undefined}
        loading={loading}
      />
      <StatTile
        id="tokens"
        label="Tokens"
        value={k ? compact(k.promptTokens + k.completionTokens) : ''}
        hint={k ? `${compact((k.promptTokens + k.completionTokens) / minutes)}/min` : undefined}
        loading={loading}
      />
      <StatTile
        id="installs"
        label="Active installs"
        value={k ? count(k.activeInstalls) : ''}
        hint={k && k.activeInstalls ? `${usd(k.spendMicros / k.activeInstalls)} per install` : undefined}
        loading={loading}
      />
      <StatTile
        id="rejection-rate"
        label="Attestation rejected"
        value={k ? percent(k.rejectionRate) : ''}
        tone={k && k.rejectionRate > 0.05 ? (k.rejectionRate > 0.2 ? 'crit' : 'warn') : undefined}
        hint={k ? `${count(k.attestRejected)} of ${count(k.attestAccepted + k.attestRejected)}` : undefined}
        loading={loading}
      />
      <StatTile
        id="streams"
        label="Concurrent streams"
        value={k ? k.avgConcurrentStreams.toFixed(1) : ''}
        hint={k ? `avg · ${count(k.streams)} streams` : undefined}
        loading={loading}
      />
      <StatTile
        id="open-alerts"
        label="Unresolved alerts"
        value={unresolved === undefined ? '–' : count(unresolved)}
        tone={alerts.data?.counts.critical ? 'crit' : unresolved ? 'warn' : 'ok'}
        hint={alerts.data ? `open + ack · ${alerts.data.counts.critical} critical · ${alerts.data.counts.warning} warning` : undefined}
        loading={alerts.isPending}
        error={tileError(alerts)}
      />
    </div>
  )
}
