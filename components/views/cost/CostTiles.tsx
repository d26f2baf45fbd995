'use client'
import { percent, usd } from '@/lib/format'
import { useAbuseTax, useBudget } from '../../hooks/useCost'
import { useOverviewKpis } from '../../hooks/useOverview'
import { TileErrors } from '../../ui/Panel'
import { StatTile, tileError } from '../../ui/StatTile'

export function CostTiles() {
  const k = useOverviewKpis()
  const b = useBudget()
  const a = useAbuseTax()
  const kd = k.data
  const bd = b.data
  const fc = bd?.forecast.status === 'ok' ? bd.forecast : null
  const over = fc && bd && bd.budgetMicros !== null ? fc.forecastMicros / bd.budgetMicros : null
  const ke = tileError(k)
  const be = tileError(b)
  const ae = tileError(a)
  return (
    <>
      <TileErrors errors={[ke, be, ae]} />
      <div className="grid tiles" data-testid="cost-tiles">
        <StatTile
          id="cost-spend"
          label="Spend in range"
          value={kd ? usd(kd.spendMicros) : ''}
          loading={k.isPending}
          error={ke}
          hint={kd ? `${kd.requests.toLocaleString('en-US')} requests` : undefined}
        />
        <StatTile
          id="cost-per-request"
          label="Cost per request"
          value={kd && kd.requests ? usd(kd.spendMicros / kd.requests, { precise: true }) : '–'}
          loading={k.isPending}
          error={ke}
        />
        <StatTile
          id="cost-per-install"
          label="Cost per active install"
          value={kd && kd.activeInstalls ? usd(kd.spendMicros / kd.activeInstalls, { precise: true }) : '–'}
          loading={k.isPending}
          error={ke}
          hint={kd ? `${kd.activeInstalls.toLocaleString('en-US')} active installs` : undefined}
        />
        <StatTile
          id="abuse-tax"
          label="Abuse tax"
          value={a.data ? percent(a.data.share) : ''}
          loading={a.isPending}
          error={ae}
          tone={a.data && a.data.share > 0.1 ? 'crit' : a.data && a.data.share > 0.02 ? 'warn' : undefined}
          hint={a.data ? `${usd(a.data.abuseMicros)} from failed/revoked installs` : undefined}
        />
        <StatTile
          id="mtd"
          label="Month to date"
          value={bd ? usd(bd.monthToDateMicros) : ''}
          loading={b.isPending}
          error={be}
          hint={fc ? `${usd(fc.levelPerDayMicros)}/day typical` : undefined}
        />
        <StatTile
          id="forecast"
          label="Month-end forecast"
          value={bd ? (fc ? usd(fc.forecastMicros) : 'not yet') : ''}
          loading={b.isPending}
          error={be}
          tone={over === null ? undefined : over > 1 ? 'crit' : over > 0.9 ? 'warn' : 'ok'}
          hint={
            bd
              ? !fc
                ? `needs 4 weeks of history (${bd.forecast.historyDays} days)`
                : `P10–P90 ${usd(fc.p10Micros)}–${usd(fc.p90Micros)}${over !== null ? ` · ${percent(over, 0)} of budget` : ''}`
              : undefined
          }
        />
        <StatTile
          id="budget"
          label="Monthly budget"
          value={bd ? (bd.budgetMicros !== null ? usd(bd.budgetMicros) : '–') : ''}
          loading={b.isPending}
          error={be}
          hint={bd && bd.budgetMicros !== null ? `${percent(bd.monthToDateMicros / bd.budgetMicros)} used` : 'set one below'}
        />
        <StatTile
          id="abuse-installs"
          label="Abusive installs"
          value={a.data ? (a.data.failedInstalls + a.data.revokedInstalls).toLocaleString('en-US') : ''}
          loading={a.isPending}
          error={ae}
          hint={a.data ? `${a.data.failedInstalls} failed attestation · ${a.data.revokedInstalls} revoked` : undefined}
        />
      </div>
    </>
  )
}
