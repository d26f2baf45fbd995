import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { Action, PolicyChange, Rule, RuleChange, Scope } from './types'

interface Row {
  version: string | number
  rule_key: string
  scope: string
  subject: string
  at: string | number
  author: string
  approved_by: string
  reason: string
  action: string
  undo_of: string | number
  before: string
  after: string
}

const COLUMNS = `version, rule_key, scope, subject, toUnixTimestamp64Milli(at) AS at, author, approved_by, reason, action, undo_of, before, after`
const parseRule = (text: string): Rule | null => (text ? (JSON.parse(text) as Rule) : null)

/** Rows (ordered by version) → changes. */
function group(rows: Row[]): PolicyChange[] {
  const out: PolicyChange[] = []
  for (const r of rows) {
    const version = Number(r.version)
    let change = out[out.length - 1]
    if (!change || change.version !== version) {
      change = {
        version,
        at: Number(r.at),
        author: r.author,
        approvedBy: r.approved_by,
        reason: r.reason,
        action: r.action as Action,
        undoOf: Number(r.undo_of),
        rules: [],
      }
      out.push(change)
    }
    change.rules.push({ key: r.rule_key, scope: r.scope as Scope, subject: r.subject, before: parseRule(r.before), after: parseRule(r.after) })
  }
  return out
}

export async function readChanges(store: Store, opts: { sinceVersion?: number; lastVersions?: number; version?: number } = {}): Promise<PolicyChange[]> {
  const where =
    opts.version !== undefined
      ? 'version = {v:UInt64}'
      : opts.lastVersions !== undefined
        ? `version IN (SELECT DISTINCT version FROM ${store.database}.policy_changes ORDER BY version DESC LIMIT {n:UInt32})`
        : 'version > {since:UInt64}'
  return group(
    await selectRows<Row>(store, `SELECT ${COLUMNS} FROM ${store.database}.policy_changes WHERE ${where} ORDER BY version, rule_key`, {
      v: opts.version ?? 0,
      n: opts.lastVersions ?? 0,
      since: opts.sinceVersion ?? 0,
    }),
  )
}

export async function maxVersion(store: Store): Promise<number> {
  const [row] = await selectRows<{ v: string | number }>(store, `SELECT max(version) AS v FROM ${store.database}.policy_changes`)
  return Number(row?.v ?? 0)
}

export async function insertChange(store: Store, change: PolicyChange): Promise<void> {
  const json = (r: Rule | null) => (r ? JSON.stringify(r) : '')
  await store.client.insert({
    table: `${store.database}.policy_changes`,
    values: change.rules.map((c: RuleChange) => ({
      version: change.version,
      rule_key: c.key,
      scope: c.scope,
      subject: c.subject,
      at: change.at,
      author: change.author,
      approved_by: change.approvedBy,
      reason: change.reason,
      action: change.action,
      batch_size: change.rules.length,
      undo_of: change.undoOf,
      before: json(c.before),
      after: json(c.after),
    })),
    format: 'JSONEachRow',
    // One insert = one block: the whole change lands or none of it does.
    clickhouse_settings: { max_insert_block_size: '1000000' },
  })
}
