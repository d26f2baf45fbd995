import { EventEmitter } from 'node:events'
import { audited } from '../audit/audited'
import type { AuditInput } from '../audit/record'
import type { Store } from '../clickhouse/client'
import { insertChange, maxVersion, readChanges } from './log-store'
import type { Action, PolicyChange, Rule, RuleChange } from './types'

export interface CommitInput {
  author: string
  approvedBy?: string
  reason: string
  action: Action
  undoOf?: number
  /** Plans the writes against the freshest rules, under the version lock. */
  plan: (rules: ReadonlyMap<string, Rule>, nowMs: number) => RuleChange[]
  /**
   * The audit entry of the planned change. Written under the version lock
   * before the change is appended, so it can name the version and the exact
   * rules; a change whose entry cannot be written is not appended.
   */
  audit: (change: PolicyChange) => AuditInput
}

export class NothingToChange extends Error {}

/**
 * The current policy of one store, derived from its append-only log, and the
 * one place that writes the log. Versions are allocated under an in-process
 * lock after re-reading max(version): within one app process they are strictly
 * increasing with no gaps. Two app replicas committing in the same instant
 * could still pick the same version; run one writer replica (docs/policy.md).
 * Listeners of 'change' (the in-process enforcer, the Kafka publisher) hear
 * every committed change in version order.
 */
export class PolicyService {
  readonly events = new EventEmitter()
  private rules = new Map<string, Rule>()
  private versionNow = 0
  private lock: Promise<unknown> = Promise.resolve()
  private loading: Promise<void> | null = null

  constructor(readonly store: Store) {
    this.events.setMaxListeners(100)
  }

  get version(): number {
    return this.versionNow
  }

  ready(): Promise<void> {
    this.loading ??= this.catchUp().catch((err) => {
      this.loading = null
      throw err
    })
    return this.loading
  }

  /** Folds changes newer than what we hold (another replica's, or all of them at start). */
  private async catchUp(): Promise<void> {
    for (const change of await readChanges(this.store, { sinceVersion: this.versionNow })) this.fold(change)
  }

  private fold(change: PolicyChange) {
    for (const c of change.rules) {
      if (c.after) this.rules.set(c.key, c.after)
      else this.rules.delete(c.key)
    }
    this.versionNow = Math.max(this.versionNow, change.version)
  }

  /** All rules, including expired ones (the enforcer ignores those; undo may need them). */
  current(): { version: number; rules: Rule[] } {
    return { version: this.versionNow, rules: [...this.rules.values()] }
  }

  rulesMap(): ReadonlyMap<string, Rule> {
    return this.rules
  }

  commit(input: CommitInput): Promise<PolicyChange> {
    const run = async () => {
      await this.ready()
      if ((await maxVersion(this.store)) > this.versionNow) await this.catchUp()
      const at = Date.now()
      const version = this.versionNow + 1
      const rules = input.plan(this.rules, at).map((c) => ({ ...c, after: c.after && { ...c.after, version, updatedAt: at } }))
      if (rules.length === 0) throw new NothingToChange('the change would not modify any rule')
      const change: PolicyChange = {
        version, at, author: input.author, approvedBy: input.approvedBy ?? '', reason: input.reason,
        action: input.action, undoOf: input.undoOf ?? 0, rules,
      }
      await audited(this.store, input.audit(change), () => insertChange(this.store, change))
      this.fold(change)
      this.events.emit('change', change)
      return change
    }
    const result = this.lock.then(run, run)
    this.lock = result.catch(() => {})
    return result
  }

  onChange(listener: (change: PolicyChange) => void): () => void {
    this.events.on('change', listener)
    return () => this.events.off('change', listener)
  }
}

const KEY = Symbol.for('burnrate.policy.services')
type G = typeof globalThis & { [KEY]?: Map<string, PolicyService> }

/** One service per store per process (Next.js may load this module in several bundles). */
export function policyService(store: Store): PolicyService {
  const g = globalThis as G
  const all = (g[KEY] ??= new Map())
  const id = `${store.location}#${store.database}`
  let svc = all.get(id)
  if (!svc) {
    svc = new PolicyService(store)
    all.set(id, svc)
  }
  return svc
}
