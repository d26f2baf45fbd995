import type { ChangeStatus } from '../policy/history'
import type { EnforcerSeen } from '../queries/enforcers'
import { isActive, type Rule } from '../policy/types'
import { isoCell, usdCell, type CsvTable } from '../dashboard/csv-route'

/**
 * The policy page's tables as CSV (docs/dashboard.md, CSV exports). Subjects,
 * reasons and authors are operator- or client-sent text: csvStream guards them.
 * Controls go out as their JSON, so a spreadsheet or script reads every limit.
 */

/** Current rules, as `now` sees them (active = not expired). */
export const policyRulesCsv = (now: number): CsvTable<Rule> => ({
  header: ['key', 'scope', 'subject', 'controls_json', 'active', 'until_utc', 'reason', 'author', 'version', 'updated_at_utc'],
  line: (r) => [
    r.key,
    r.scope,
    r.subject,
    JSON.stringify(r.controls),
    isActive(r, now) ? 'yes' : 'no',
    isoCell(r.until),
    r.reason,
    r.author,
    r.version,
    isoCell(r.updatedAt),
  ],
})

const ms = (v: number | null) => (v === null ? 'pending' : v)

export const POLICY_HISTORY_CSV: CsvTable<ChangeStatus> = {
  header: [
    'version',
    'at_utc',
    'action',
    'undo_of',
    'rules',
    'author',
    'approved_by',
    'reason',
    'time_to_enforce_ms',
    'time_to_enforce_at_enforcers_ms',
    'enforcers_acked',
    'enforcers_known',
    'gateways_acked',
    'gateways_known',
    'spend_until_enforced_usd',
    'spend_since_usd',
    'denials_since',
  ],
  line: (c) => [
    c.version,
    isoCell(c.at),
    c.action,
    c.undoOf || '',
    c.rules.map((r) => r.key).join(' '),
    c.author,
    c.approvedBy,
    c.reason,
    ms(c.timeToEnforceMs),
    c.enforcersKnown === 0 ? '' : ms(c.timeToEnforceAtEnforcersMs),
    c.enforcersAcked,
    c.enforcersKnown,
    c.gatewaysAcked,
    c.gatewaysKnown,
    usdCell(c.spendBeforeEnforceMicros),
    usdCell(c.spendAfterChangeMicros),
    c.denialsAfterChange,
  ],
}

/** Enforcer replicas with the log version they lag behind (`version` = the log's current version). */
export const enforcersCsv = (version: number): CsvTable<EnforcerSeen> => ({
  header: ['replica', 'policy_version_held', 'lag_versions', 'last_seen_utc', 'first_seen_utc'],
  line: (e) => [e.replica, e.version, Math.max(0, version - e.version), isoCell(e.lastSeenMs), isoCell(e.firstSeenMs)],
})
