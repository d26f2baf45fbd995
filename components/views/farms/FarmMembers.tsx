'use client'
import { useMemo, useState } from 'react'
import { count, dateTime, usd } from '@/lib/format'
import type { InstallProfile } from '@/lib/dashboard/types'
import { DataTable, type Column, type SortState } from '../../ui/DataTable'
import { InstallLink } from '../shared/InstallLink'

const PAGE_SIZE = 20

const COLUMNS: Column<InstallProfile>[] = [
  { key: 'install_id', header: 'Install', render: (p) => <InstallLink id={p.install_id} /> },
  { key: 'device', header: 'Device', render: (p) => <>{p.device_model}<span className="muted"> · {p.platform} {p.os_version}</span></> },
  { key: 'fp', header: 'Fingerprint', render: (p) => <span className="mono small">{p.device_fingerprint.slice(0, 12)}…</span> },
  { key: 'net', header: 'Network', render: (p) => <span className="small">{p.ip_prefix} · AS{p.asn} · {p.country}</span> },
  { key: 'first_seen', header: 'First seen', sortable: true, render: (p) => <span className="mono small">{dateTime(p.first_seen)}</span> },
  { key: 'attest_rejected', header: 'Rejected', numeric: true, sortable: true, render: (p) => `${count(p.attest_rejected)}/${count(p.attest_accepted + p.attest_rejected)}` },
  { key: 'cost_micros', header: 'Spend', numeric: true, sortable: true, render: (p) => usd(p.cost_micros) },
]

/** Members of one cluster (≤ 500, as the detector lists them), sortable and paged in the browser. */
export function FarmMembers({ profiles }: { profiles: InstallProfile[] }) {
  const [sort, setSort] = useState<SortState>({ sort: 'cost_micros', dir: 'desc' })
  const [page, setPage] = useState(0)
  const rows = useMemo(() => {
    const k = sort.sort as 'first_seen' | 'attest_rejected' | 'cost_micros'
    return [...profiles].sort((a, b) => (sort.dir === 'asc' ? a[k] - b[k] : b[k] - a[k]))
  }, [profiles, sort])
  return (
    <DataTable testId="farm-members" columns={COLUMNS} rows={rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)} rowKey={(p) => p.install_id}
      sort={sort} onSort={(s) => { setSort(s); setPage(0) }} page={{ page, pageSize: PAGE_SIZE, total: rows.length, onPage: setPage }} />
  )
}
