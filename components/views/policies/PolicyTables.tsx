'use client'
import type { PolicyRuleView } from '@/lib/policy/api-types'
import { count, dateTime, duration, usd, zoneName } from '@/lib/format'
import type { ChangeStatus } from '@/lib/policy/history'
import type { Controls } from '@/lib/policy/types'

// Free-text columns wrap; table.data cells otherwise never do.
const wrap = { whiteSpace: 'normal', minWidth: 160 } as const

/** One line per control a rule sets, in the words an operator would use. */
function describeControls(c: Controls): string {
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

/** Current rules; expired ones stay listed (dimmed) until cleared. Times are local, the zone named in the header (lib/format's rule). */
export function RulesTable({ rules }: { rules: PolicyRuleView[] }) {
  return (
    <div className="table-wrap">
      <table className="data" data-testid="rules-table">
        <thead>
          <tr>
            {['scope', 'subject', 'controls', `until (${zoneName()})`, 'reason', 'by', 'version'].map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rules.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No rules: every install runs unrestricted.
              </td>
            </tr>
          )}
          {rules.map((r) => (
            <tr key={r.key} style={{ opacity: r.active ? 1 : 0.5 }}>
              <td>{r.scope}</td>
              <td className="mono">{r.subject}</td>
              <td style={wrap}>{describeControls(r.controls)}</td>
              <td>{!r.active ? 'expired' : r.until === null ? 'until changed' : dateTime(r.until)}</td>
              <td style={wrap}>{r.reason}</td>
              <td>{r.author}</td>
              <td className="r">{r.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const historyHeaders = (zone: string) => [
  'version',
  `time (${zone})`,
  'action',
  'rules',
  'by',
  'reason',
  'time to enforce',
  'at enforcers',
  'gateways',
  'spend until enforced',
  'spend since',
  'denials since',
  '',
]

/** Recent changes with their propagation; `onUndo` is omitted for users who may not undo. */
export function HistoryTable({ changes, onUndo, undoDisabled }: { changes: ChangeStatus[]; onUndo?: (version: number) => void; undoDisabled?: boolean }) {
  const headers = historyHeaders(zoneName(changes[0]?.at))
  return (
    <div className="table-wrap">
      <table className="data" data-testid="history-table">
        <thead>
          <tr>
            {headers.map((h, i) => (
              <th key={h || i} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {changes.length === 0 && (
            <tr>
              <td colSpan={headers.length} className="muted">
                No policy changes yet.
              </td>
            </tr>
          )}
          {changes.map((c) => (
            <tr key={c.version}>
              <td className="r">{c.version}</td>
              <td className="mono">{dateTime(c.at)}</td>
              <td>
                {c.action}
                {c.undoOf ? ` of v${c.undoOf}` : ''}
              </td>
              <td className="mono">{c.rules.length === 1 ? c.rules[0].key : `${count(c.rules.length)} rules`}</td>
              <td>
                {c.author}
                {c.approvedBy ? ` + ${c.approvedBy}` : ''}
              </td>
              <td style={wrap}>{c.reason}</td>
              <td>{c.timeToEnforceMs === null ? <b style={{ color: 'var(--warn)' }}>pending</b> : duration(c.timeToEnforceMs)}</td>
              <td>
                {c.enforcersKnown === 0 ? (
                  <span className="muted">—</span>
                ) : c.timeToEnforceAtEnforcersMs === null ? (
                  <b style={{ color: 'var(--warn)' }}>pending</b>
                ) : (
                  `${duration(c.timeToEnforceAtEnforcersMs)} (${c.enforcersAcked}/${c.enforcersKnown})`
                )}
              </td>
              <td className="r">
                {c.gatewaysAcked}/{c.gatewaysKnown}
              </td>
              <td className="r">{usd(c.spendBeforeEnforceMicros)}</td>
              <td className="r">{usd(c.spendAfterChangeMicros)}</td>
              <td className="r">{count(c.denialsAfterChange)}</td>
              <td>
                {onUndo && (
                  <button type="button" className="btn small" disabled={undoDisabled} onClick={() => onUndo(c.version)}>
                    Undo
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
