'use client'
import { percent, usd } from '@/lib/format'
import { BudgetChart } from '../../charts/BudgetChart'
import { useAbuseTax, useBudget } from '../../hooks/useCost'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { QueryPanel } from '../../ui/Panel'
import { BudgetEditor } from './BudgetEditor'

export function BudgetPanel() {
  const q = useBudget()
  const { tenant } = useDashboardParams()
  return (
    <QueryPanel
      id="budget"
      title="Month to date vs budget"
      sub="UTC calendar month; forecast with day-of-week seasonality and a P10–P90 band"
      query={q}
      height={220}
    >
      {(d) => (
        <div className="grid" style={{ gap: 10 }}>
          {d.forecast.status === 'ok' ? (
            <p className="small" style={{ margin: 0 }} data-testid="forecast-text">
              Month-end forecast <b className="num">{usd(d.forecast.forecastMicros)}</b> (P10–P90 {usd(d.forecast.p10Micros)} – {usd(d.forecast.p90Micros)})
              {d.budgetMicros !== null ? ` against a budget of ${usd(d.budgetMicros)}` : ''}.
            </p>
          ) : (
            <p className="small warn" style={{ margin: 0 }} data-testid="forecast-text">
              {d.forecast.reason}
            </p>
          )}
          <BudgetChart monthStart={d.monthStart} monthEnd={d.monthEnd} days={d.forecast.days} budgetMicros={d.budgetMicros} />
          <BudgetEditor budgets={d.budgets} tenants={d.tenants} tenant={tenant} />
          {tenant && (
            <a
              className="btn small"
              download
              data-testid="statement-export"
              href={`/api/cost/statement?tenant=${encodeURIComponent(tenant)}&month=${new Date(d.now).toISOString().slice(0, 7)}`}
            >
              ⤓ {tenant} statement for {new Date(d.now).toISOString().slice(0, 7)} (CSV)
            </a>
          )}
        </div>
      )}
    </QueryPanel>
  )
}

/** Where abusive spend came from: a meter of the share plus the split between the two causes. */
export function AbuseTaxPanel() {
  const q = useAbuseTax()
  return (
    <QueryPanel
      id="abuse-tax-panel"
      title="Abuse tax"
      sub="spend from installs that failed attestation or were revoked"
      query={q}
      height={200}
      isEmpty={(d) => d.totalMicros === 0}
    >
      {(d) => (
        <div className="grid" style={{ gap: 10 }}>
          <div className="row gap" style={{ alignItems: 'baseline' }}>
            <span style={{ fontSize: 28, fontWeight: 600, color: 'var(--text-strong)' }} className="num">
              {percent(d.share)}
            </span>
            <span className="muted">
              {usd(d.abuseMicros)} of {usd(d.totalMicros)}
            </span>
          </div>
          <div
            className={`meter ${d.share > 0.1 ? 'crit' : d.share > 0.02 ? 'warn' : ''}`}
            role="meter"
            aria-valuenow={d.share * 100}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-label="Abuse share of spend"
          >
            <span style={{ width: `${Math.min(100, d.share * 100)}%` }} />
          </div>
          <dl className="kv">
            <dt>Failed attestation</dt>
            <dd className="num">
              {usd(d.attestationFailedMicros)} · {d.failedInstalls} installs
            </dd>
            <dt>Revoked</dt>
            <dd className="num">
              {usd(d.revokedMicros)} · {d.revokedInstalls} installs
            </dd>
            <dt>Clean spend</dt>
            <dd className="num">{usd(d.totalMicros - d.abuseMicros)}</dd>
          </dl>
          <p className="muted small" style={{ margin: 0 }}>
            An install counts when most of its attestations were rejected (an occasional expired token does not) or the gateway denied it under a revocation.
          </p>
        </div>
      )}
    </QueryPanel>
  )
}
