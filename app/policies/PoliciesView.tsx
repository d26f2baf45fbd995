'use client'
import { useState } from 'react'
import { ActionPanel } from '@/components/policy/ActionPanel'
import { useMe, usePolicy, usePolicyActions, usePolicyHistory } from '@/components/hooks/usePolicy'
import type { Rule } from '@/lib/policy/types'

const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(2)}`
const when = (ms: number | null) => (ms === null ? 'until changed' : new Date(ms).toLocaleString())
const cell = { padding: '4px 8px', borderBottom: '1px solid #eee', verticalAlign: 'top' } as const

function describe(c: Rule['controls']): string {
  const parts: string[] = []
  if (c.revoked) parts.push('REVOKED')
  if (c.tokensPerMinute !== undefined) parts.push(`${c.tokensPerMinute} tok/min`)
  if (c.tokensPerDay !== undefined) parts.push(`${c.tokensPerDay} tok/day`)
  if (c.spendPerDayMicros !== undefined) parts.push(`${usd(c.spendPerDayMicros)}/day`)
  if (c.maxContextTokens !== undefined) parts.push(`ctx ≤ ${c.maxContextTokens}`)
  if (c.maxOutputTokens !== undefined) parts.push(`out ≤ ${c.maxOutputTokens}`)
  if (c.maxConcurrentStreams !== undefined) parts.push(`≤ ${c.maxConcurrentStreams} streams`)
  if (c.degrade) parts.push(`degraded (ctx ≤ ${c.degrade.maxContextTokens}, out ≤ ${c.degrade.maxOutputTokens}${c.degrade.riskyOnly ? ', risky only' : ''})`)
  return parts.join(', ')
}

/** Current rules, history with propagation, pending approvals, and undo. */
export function PoliciesView() {
  const policy = usePolicy()
  const history = usePolicyHistory()
  const me = useMe()
  const actions = usePolicyActions()
  const [note, setNote] = useState<string | null>(null)
  const [scope, setScope] = useState<'install' | 'tenant' | 'feature' | 'global'>('install')
  const [subject, setSubject] = useState('')
  const role = me.data?.user.role
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn()
      setNote(ok)
      policy.reload()
      history.reload()
    } catch (e) {
      setNote((e as Error).message)
    }
  }
  return (
    <main style={{ padding: 16, fontFamily: 'system-ui, sans-serif' }}>
      <h1>Policies <small style={{ fontWeight: 400 }}>version {policy.data?.version ?? '…'}</small></h1>
      {note && <p data-testid="policies-note">{note}</p>}
      {policy.error && <p style={{ color: 'crimson' }}>{policy.error}</p>}

      {policy.data?.proposals.length ? (
        <section>
          <h2>Waiting for a second admin</h2>
          {policy.data.proposals.map((p) => (
            <div key={p.id}>
              {p.author}: {p.request.action} {p.request.scope} — {p.reason}{' '}
              {role === 'admin' && <>
                <button onClick={() => act(() => actions.decide(p.id, true), 'approved')}>Approve</button>{' '}
                <button onClick={() => act(() => actions.decide(p.id, false), 'rejected')}>Reject</button>
              </>}
            </div>
          ))}
        </section>
      ) : null}

      <h2>Current rules</h2>
      <table style={{ borderCollapse: 'collapse' }} data-testid="rules-table">
        <thead><tr>{['scope', 'subject', 'controls', 'until', 'reason', 'by', 'version'].map((h) => <th key={h} style={cell}>{h}</th>)}</tr></thead>
        <tbody>
          {policy.data?.rules.map((r) => (
            <tr key={r.key} style={{ opacity: r.active ? 1 : 0.5 }}>
              <td style={cell}>{r.scope}</td><td style={cell}>{r.subject}</td><td style={cell}>{describe(r.controls)}</td>
              <td style={cell}>{r.active ? when(r.until) : 'expired'}</td><td style={cell}>{r.reason}</td><td style={cell}>{r.author}</td><td style={cell}>{r.version}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {role && role !== 'viewer' && (
        <section style={{ marginTop: 16 }}>
          <h2>New rule</h2>
          <select value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
            {['install', 'feature', 'tenant', 'global'].map((s) => <option key={s}>{s}</option>)}
          </select>{' '}
          <input value={scope === 'global' ? '*' : subject} disabled={scope === 'global'} onChange={(e) => setSubject(e.target.value.trim())} placeholder={scope === 'feature' ? 'tenant/feature' : `${scope} id`} />
          {(scope === 'global' || subject) && <ActionPanel key={`${scope}:${subject}`} scope={scope} subject={scope === 'global' ? '*' : subject} onApplied={() => { policy.reload(); history.reload() }} />}
        </section>
      )}

      <h2>History and propagation</h2>
      <table style={{ borderCollapse: 'collapse' }} data-testid="history-table">
        <thead><tr>{['version', 'time', 'action', 'rules', 'by', 'reason', 'time to enforce', 'gateways', 'spend until enforced', 'spend since', 'denials since', ''].map((h) => <th key={h} style={cell}>{h}</th>)}</tr></thead>
        <tbody>
          {history.data?.changes.map((c) => (
            <tr key={c.version}>
              <td style={cell}>{c.version}</td><td style={cell}>{new Date(c.at).toLocaleTimeString()}</td>
              <td style={cell}>{c.action}{c.undoOf ? ` of v${c.undoOf}` : ''}</td>
              <td style={cell}>{c.rules.length === 1 ? c.rules[0].key : `${c.rules.length} rules`}</td>
              <td style={cell}>{c.author}{c.approvedBy ? ` + ${c.approvedBy}` : ''}</td><td style={cell}>{c.reason}</td>
              <td style={cell}>{c.timeToEnforceMs === null ? <b>pending</b> : `${c.timeToEnforceMs} ms`}</td>
              <td style={cell}>{c.gatewaysAcked}/{c.gatewaysKnown}</td>
              <td style={cell}>{usd(c.spendBeforeEnforceMicros)}</td><td style={cell}>{usd(c.spendAfterChangeMicros)}</td><td style={cell}>{c.denialsAfterChange}</td>
              <td style={cell}>{role && role !== 'viewer' && (
                <button onClick={() => { const reason = window.prompt(`Undo version ${c.version}: reason?`); if (reason) void act(() => actions.undo(c.version, reason), `undo of v${c.version} applied`) }}>Undo</button>
              )}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  )
}
