'use client'
import { count, dateTime, usd, zoneName } from '@/lib/format'
import type { InstallProfile } from '@/lib/dashboard/types'
import { FARM_MEMBER_SORTS, type FarmCluster, type FarmMemberSort } from '@/lib/detection/types'
import { farmMembersExportUrl, useFarmMembers } from '../../hooks/useDetectors'
import { CsvLink } from '../../ui/CsvLink'
import { DataTable, type Column } from '../../ui/DataTable'
import { LoadingState, QueryPanel } from '../../ui/Panel'
import { InstallLink } from '../shared/InstallLink'
import { usePageState } from '../shared/usePageState'

const PAGE_SIZE = 20
const SORTS: readonly string[] = FARM_MEMBER_SORTS

/** Local times; the header names the zone once for the column (lib/format's rule). */
const columns = (zone: string): Column<InstallProfile>[] => [
  { key: 'install_id', header: 'Install', sortable: true, render: (p) => <InstallLink id={p.install_id} /> },
  {
    key: 'device',
    header: 'Device',
    render: (p) => (
      <>
        {p.device_model}
        <span className="muted">
          {' '}
          · {p.platform} {p.os_version}
        </span>
      </>
    ),
  },
  { key: 'fp', header: 'Fingerprint', render: (p) => <span className="mono small">{p.device_fingerprint.slice(0, 12)}…</span> },
  {
    key: 'net',
    header: 'Network',
    render: (p) => (
      <span className="small">
        {p.ip_prefix} · AS{p.asn} · {p.country}
      </span>
    ),
  },
  { key: 'first_seen', header: `First seen (${zone})`, sortable: true, render: (p) => <span className="mono small">{dateTime(p.first_seen)}</span> },
  {
    key: 'attest_rejected',
    header: 'Rejected',
    numeric: true,
    sortable: true,
    render: (p) => `${count(p.attest_rejected)}/${count(p.attest_accepted + p.attest_rejected)}`,
  },
  { key: 'cost_micros', header: 'Spend', numeric: true, sortable: true, render: (p) => usd(p.cost_micros) },
]

/** Every member of one cluster, sorted and paged by the server; state in the URL (fmSort, fmDir, fmPage). */
export function FarmMembers({ cluster }: { cluster: FarmCluster }) {
  const state = usePageState('fm', { sort: 'cost_micros', dir: 'desc' })
  const sort = (SORTS.includes(state.sort) ? state.sort : 'cost_micros') as FarmMemberSort
  const q = useFarmMembers(cluster.cluster_id, { sort, dir: state.dir, offset: state.page * PAGE_SIZE, limit: PAGE_SIZE })
  return (
    <QueryPanel
      id="farm-members"
      title="Members"
      sub={q.data ? `${count(q.data.total)} installs` : undefined}
      query={q}
      flush
      height={200}
      isEmpty={(d) => d.total === 0}
      actions={
        q.data?.cluster_id === cluster.cluster_id && (
          <CsvLink href={farmMembersExportUrl(q.data)} testId="farm-members-export" title="every member of the cluster, in this order" />
        )
      }
    >
      {(d) =>
        d.cluster_id !== cluster.cluster_id ? (
          <LoadingState height={200} />
        ) : (
          // Kept-previous data of another cluster would list the wrong installs.
          <DataTable
            testId="farm-members"
            columns={columns(zoneName(d.rows[0]?.first_seen))}
            rows={d.rows}
            rowKey={(p) => p.install_id}
            sort={{ sort: d.sort, dir: d.dir }}
            onSort={state.onSort}
            page={{ offset: d.offset, limit: d.limit, total: d.total, onPage: state.onPage }}
          />
        )
      }
    </QueryPanel>
  )
}
