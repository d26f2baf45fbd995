'use client'
import { COST_DIMENSIONS, type CostDimension } from '@/lib/dashboard/types'
import type { CostMetric, Granularity } from '../../hooks/useCost'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { PageHead } from '../shared/PageHead'
import { AbuseTaxPanel, BudgetPanel } from './BudgetPanel'
import { CostBreakdownTable } from './CostBreakdownTable'
import { CostChart } from './CostChart'
import { CostTiles } from './CostTiles'
import { UnpricedNotice } from './UnpricedNotice'

const LABELS: Record<CostDimension, string> = { feature: 'Feature', model: 'Model', tenant_id: 'Tenant', app_version: 'App version', platform: 'Platform' }

export function CostView() {
  const { search, setParams } = useDashboardParams()
  const rawBy = search.get('by') as CostDimension | null
  const by: CostDimension = rawBy && COST_DIMENSIONS.includes(rawBy) ? rawBy : 'feature'
  const rawGran = search.get('gran')
  const granularity: Granularity = rawGran === 'hour' || rawGran === 'day' ? rawGran : 'auto'
  const rawMetric = search.get('metric')
  const metric: CostMetric = rawMetric === 'per_request' || rawMetric === 'per_1k_tokens' || rawMetric === 'per_install' ? rawMetric : 'spend'
  return (
    <>
      <PageHead
        title="Cost"
        description="Where the money goes: by feature, model, tenant and app version, against budget."
        actions={
          <div className="segmented small" role="group" aria-label="Group cost by">
            {COST_DIMENSIONS.map((d) => (
              <button
                key={d}
                type="button"
                className={by === d ? 'on' : undefined}
                aria-pressed={by === d}
                onClick={() => setParams({ by: d === 'feature' ? null : d, cbPage: null, cbSort: null })}
              >
                {LABELS[d]}
              </button>
            ))}
          </div>
        }
      />
      <UnpricedNotice />
      <CostTiles />
      <CostChart
        by={by}
        granularity={granularity}
        onGranularity={(g) => setParams({ gran: g === 'auto' ? null : g })}
        metric={metric}
        onMetric={(m) => setParams({ metric: m === 'spend' ? null : m })}
      />
      <div className="grid two">
        <BudgetPanel />
        <AbuseTaxPanel />
      </div>
      <CostBreakdownTable by={by} />
    </>
  )
}
