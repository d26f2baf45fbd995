'use client'
import { useEffect, useState } from 'react'
import { api } from '@/components/hooks/usePolicy'
import type { AuditEntry } from '@/lib/audit/list'

const cell = { padding: '4px 8px', borderBottom: '1px solid #eee', verticalAlign: 'top', fontSize: 13 } as const
const short = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v).slice(0, 300))

/** Admins read and export the audit log; there is nothing here that edits it. */
export function AuditView() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [action, setAction] = useState('')
  useEffect(() => {
    const load = () => api<{ entries: AuditEntry[] }>(`/api/audit?limit=300${action ? `&action=${encodeURIComponent(action)}` : ''}`)
      .then((d) => { setEntries(d.entries); setError(null) }, (e: Error) => setError(e.message))
    load()
    const t = setInterval(load, 5_000)
    return () => clearInterval(t)
  }, [action])
  return (
    <main style={{ padding: 16, fontFamily: 'system-ui, sans-serif' }}>
      <h1>Audit log</h1>
      <p>
        <input placeholder="action prefix, e.g. policy." value={action} onChange={(e) => setAction(e.target.value.trim())} />{' '}
        <a href="/api/audit/export" download>Export (NDJSON)</a>
      </p>
      {error && <p style={{ color: 'crimson' }}>{error}</p>}
      <table style={{ borderCollapse: 'collapse' }} data-testid="audit-table">
        <thead><tr>{['time', 'actor', 'role', 'action', 'subject', 'ip prefix', 'before', 'after'].map((h) => <th key={h} style={cell}>{h}</th>)}</tr></thead>
        <tbody>
          {entries?.map((e) => (
            <tr key={e.id}>
              <td style={cell}>{new Date(e.at).toLocaleString()}</td><td style={cell}>{e.actor}</td><td style={cell}>{e.actorRole}</td>
              <td style={cell}>{e.action}</td><td style={cell}>{e.subject}</td><td style={cell}>{e.ipPrefix}</td>
              <td style={cell}><code>{short(e.before)}</code></td><td style={cell}><code>{short(e.after)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  )
}
