'use client'
import { useState } from 'react'
import { useMe } from '@/components/hooks/useMe'
import { useAuditLog } from '@/components/hooks/usePolicy'
import { EmptyState, ErrorState, LoadingState, Panel, QueryPanel } from '@/components/ui/Panel'
import { dateTime, zoneName } from '@/lib/format'

const short = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v).slice(0, 300))
const headers = (zone: string) => [`time (${zone})`, 'actor', 'role', 'action', 'subject', 'ip prefix', 'before', 'after']
// before/after are JSON snippets: let them wrap instead of widening the table.
const wrap = { whiteSpace: 'normal', wordBreak: 'break-all', minWidth: 180 } as const

/**
 * Admins read and export the audit log; there is nothing here that edits it.
 * The API is admin-only, so other roles get a note instead of a request that
 * would be refused (and, polled, refused again every few seconds).
 * Rendered inside the Shell's <main>, so this is a <div>, not another <main>.
 */
export function AuditView() {
  const me = useMe()
  const [action, setAction] = useState('')
  const role = me.role
  const log = useAuditLog(action, { enabled: role === 'admin' })
  const head = (
    <div className="page-head">
      <div>
        <h1>Audit log</h1>
        <p>Who changed what: policy changes, alert transitions, sign-ins, user and key changes, gateway acknowledgements. Newest first.</p>
      </div>
    </div>
  )
  if (!role)
    return (
      <div className="grid">
        {head}
        {me.error ? <ErrorState error={me.error} /> : <LoadingState height={200} />}
      </div>
    )
  if (role !== 'admin') {
    return (
      <div className="grid">
        {head}
        <Panel id="audit-denied" title="Admins only">
          <EmptyState>The audit log is readable by admins; you are signed in as {role}.</EmptyState>
        </Panel>
      </div>
    )
  }
  return (
    <div className="grid">
      {head}
      <div className="toolbar">
        <label className="select-label">
          Action prefix
          <input placeholder="e.g. policy." value={action} onChange={(e) => setAction(e.target.value.trim())} />
        </label>
        {/* A POST: exporting writes an audit entry, which a cross-site link must not be able to do. */}
        <form method="post" action="/api/audit/export">
          <button className="btn" type="submit">
            Export (NDJSON)
          </button>
        </form>
      </div>
      <QueryPanel id="audit-log" title="Entries" sub={log.data ? `latest ${log.data.entries.length}` : undefined} query={log} flush height={200}>
        {(d) => (
          <div className="table-wrap">
            <table className="data" data-testid="audit-table">
              <thead>
                <tr>
                  {headers(zoneName(d.entries[0]?.at)).map((h) => (
                    <th key={h} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {d.entries.length === 0 && (
                  <tr>
                    <td colSpan={8} className="muted">
                      No entries{action ? ` with action starting “${action}”` : ''}.
                    </td>
                  </tr>
                )}
                {d.entries.map((e) => (
                  <tr key={e.id}>
                    <td className="mono">{dateTime(e.at)}</td>
                    <td>{e.actor}</td>
                    <td>{e.actorRole}</td>
                    <td>{e.action}</td>
                    <td className="mono">{e.subject}</td>
                    <td>{e.ipPrefix}</td>
                    <td style={wrap}>
                      <code>{short(e.before)}</code>
                    </td>
                    <td style={wrap}>
                      <code>{short(e.after)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryPanel>
    </div>
  )
}
