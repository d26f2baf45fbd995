'use client'
import { compact, count, percent, usd } from '@/lib/format'
import type { CostBreakdownRow, CostDimension } from '@/lib/dashboard/types'
import { useCostBreakdown, useCostExportAllUrl, useCostExportUrl } from '../../hooks/useCost'
import { DataTable, type Column } from '../../ui/DataTable'
import { QueryPanel } from '../../ui/Panel'
import { usePageState } from '../shared/usePageState'

const PAGE_SIZE = 25

function columns(by: CostDimension): Column<CostBreakdownRow>[] {
  return [
    { key: 'key', header: by.replace('_id', '').replace('_', ' '), sortable: true, render: (r) => <span className="mono">{r.key}</span> },
    { key: 'cost_micros', header: 'Spend', numeric: true, sortable: true, render: (r) => usd(r.cost_micros) },
    { key: 'share', header: 'Share', numeric: true, render: (r) => percent(r.share) },
    { key: 'requests', header: 'Requests', numeric: true, sortable: true, render: (r) => count(r.requests) },
    { key: 'tokens', header: 'Tokens', numeric: true, sortable: true, render: (r) => compact(r.tokens) },
    { key: 'installs', header: 'Active installs', numeric: true, sortable: true, render: (r) => count(r.installs) },
    { key: 'cost_per_request_micros', header: 'Per request', numeric: true, sortable: true, render: (r) => usd(r.cost_per_request_micros, { precise: true }) },
    { key: 'cost_per_install_micros', header: 'Per install', numeric: true, sortable: true, render: (r) => usd(r.cost_per_install_micros, { precise: true }) },
    {
      key: 'cost_per_1k_tokens_micros',
      header: 'Per 1k tokens',
      numeric: true,
      sortable: true,
      render: (r) => usd(r.cost_per_1k_tokens_micros, { precise: true }),
    },
  ]
}

export function CostBreakdownTable({ by }: { by: CostDimension }) {
  const state = usePageState('cb', { sort: 'cost_micros', dir: 'desc' })
  const req = { sort: state.sort, dir: state.dir, offset: state.page * PAGE_SIZE, limit: PAGE_SIZE }
  const q = useCostBreakdown(by, req)
  const exportUrl = useCostExportUrl(by, req)
  const exportAllUrl = useCostExportAllUrl(by, req)
  return (
    <QueryPanel
      id="cost-breakdown"
      title="Breakdown"
      sub={`by ${by}`}
      query={q}
      flush
      height={200}
      isEmpty={(d) => d.total === 0}
      actions={
        <div className="row gap">
          <a className="btn small" href={exportUrl} download data-testid="csv-export">
            ⤓ Export CSV
          </a>
          <a className="btn small" href={exportAllUrl} download data-testid="csv-export-all" title="every row, not only this page">
            ⤓ All rows
          </a>
        </div>
      }
    >
      {(d) => (
        <DataTable
          testId="cost-breakdown-table"
          columns={columns(by)}
          rows={d.rows}
          rowKey={(r) => r.key}
          sort={{ sort: d.sort, dir: d.dir }}
          onSort={state.onSort}
          page={{ offset: d.offset, limit: d.limit, total: d.total, onPage: state.onPage }}
        />
      )}
    </QueryPanel>
  )
}
