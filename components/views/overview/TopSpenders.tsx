'use client'
import { compact, count, usd } from '@/lib/format'
import type { SpenderRow } from '@/lib/dashboard/types'
import { useTopSpenders, useTopSpendersExportUrl } from '../../hooks/useOverview'
import { CsvLink } from '../../ui/CsvLink'
import { DataTable, type Column } from '../../ui/DataTable'
import { QueryPanel } from '../../ui/Panel'
import { InstallLink } from '../shared/InstallLink'
import { usePageState } from '../shared/usePageState'

const COLUMNS: Column<SpenderRow>[] = [
  { key: 'install_id', header: 'Install', render: (r) => <InstallLink id={r.install_id} /> },
  { key: 'tenant_id', header: 'Tenant', render: (r) => r.tenant_id },
  { key: 'cost_micros', header: 'Spend', numeric: true, sortable: true, render: (r) => usd(r.cost_micros) },
  { key: 'requests', header: 'Requests', numeric: true, sortable: true, render: (r) => count(r.requests) },
  { key: 'tokens', header: 'Tokens', numeric: true, sortable: true, render: (r) => compact(r.tokens) },
  {
    key: 'max_context_tokens',
    header: 'Max ctx',
    numeric: true,
    sortable: true,
    render: (r) => compact(r.max_context_tokens),
    title: 'Largest context of one request (tokens)',
  },
  { key: 'streams', header: 'Streams', numeric: true, sortable: true, render: (r) => count(r.streams) },
  { key: 'attest_rejected', header: 'Att. rej.', numeric: true, sortable: true, render: (r) => count(r.attest_rejected), title: 'Attestation rejections' },
]

export function TopSpenders() {
  const state = usePageState('ts', { sort: 'cost_micros', dir: 'desc' })
  const q = useTopSpenders({ sort: state.sort, dir: state.dir, offset: state.page * 10, limit: 10 })
  const exportUrl = useTopSpendersExportUrl(state)
  return (
    <QueryPanel
      id="top-spenders"
      title="Top spenders"
      sub="installs in range"
      query={q}
      flush
      height={300}
      isEmpty={(d) => d.total === 0}
      actions={<CsvLink href={exportUrl} testId="top-spenders-export" title="every install in range, in this order" />}
    >
      {(d) => (
        <DataTable
          testId="top-spenders-table"
          columns={COLUMNS}
          rows={d.rows}
          rowKey={(r) => `${r.tenant_id}/${r.install_id}`}
          sort={{ sort: d.sort, dir: d.dir }}
          onSort={state.onSort}
          page={{ offset: d.offset, limit: d.limit, total: d.total, onPage: state.onPage }}
        />
      )}
    </QueryPanel>
  )
}
