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

export interface PolicyServiceOptions {
  /** How often to look for versions this process did not write; 0 = never (tests that want only explicit sync()). */
  pollMs?: number
  log?: (line: string) => void
}

export class NothingToChange extends Error {}

/**
 * How stale a replica's view of the log may get. Kept as a constant (not a
 * config variable): one `SELECT max(version)` per tick is cheap at any size,
 * and 2 s is well inside what a gateway polling the snapshot would notice.
 */
export const POLICY_POLL_MS = 2_000

/**
 * The current policy of one store, derived from its append-only log, and the
 * one place that writes the log. Versions are allocated under an in-process
 * lock after re-reading max(version): within one app process they are strictly
 * increasing with no gaps. Two app replicas committing in the same instant
 * could still pick the same version; run one writer replica (docs/policy.md).
 *
 * Once loaded, the service polls max(version) and folds whatever it does not
 * hold yet: another replica's commits, and our own inserts that landed although
 * the client reported a failure (timeout). Listeners of 'change' (the
 * in-process enforcer, the Kafka publisher) hear every version after the
 * initial load exactly once, in version order, whoever wrote it.
 */
export class PolicyService {
  readonly events = new EventEmitter()
  private rules = new Map<string, Rule>()
  /** Every key the log ever wrote, so removed rules can be republished as signed nulls. */
  private everWritten = new Set<string>()
  private versionNow = 0
  private lock: Promise<unknown> = Promise.resolve()
  private loading: Promise<void> | null = null
  private timer: NodeJS.Timeout | null = null
  private polling = false
  private pollFailing = false
  private stopped = false
  private readonly pollMs: number
  private readonly log: (line: string) => void

  constructor(
    readonly store: Store,
    opts: PolicyServiceOptions = {},
  ) {
    this.events.setMaxListeners(100)
    this.pollMs = opts.pollMs ?? POLICY_POLL_MS
    this.log = opts.log ?? console.warn
  }

  get version(): number {
    return this.versionNow
  }

  ready(): Promise<void> {
    // Not under the lock: commit() and sync() await this from inside it. Nothing folds before it resolves.
    this.loading ??= (async () => {
      for (const change of await readChanges(this.store, { sinceVersion: this.versionNow })) this.fold(change)
      this.startPolling()
    })().catch((err) => {
      this.loading = null
      throw err
    })
    return this.loading
  }

  private startPolling() {
    if (this.timer || this.stopped || this.pollMs <= 0) return
    this.timer = setInterval(() => void this.tick(), this.pollMs)
    this.timer.unref() // never what keeps a process (or a test worker) alive
  }

  private async tick() {
    if (this.polling) return // a slow store: never stack ticks behind each other
    this.polling = true
    try {
      await this.sync()
      if (this.pollFailing) this.log('[policy] reading the policy log works again')
      this.pollFailing = false
    } catch (err) {
      if (!this.pollFailing) this.log(`[policy] cannot read the policy log, serving version ${this.versionNow} until it can: ${(err as Error).message}`)
      this.pollFailing = true
    } finally {
      this.polling = false
    }
  }

  /** Folds and announces every version newer than ours. Cheap when there is none: one max(version). */
  sync(): Promise<void> {
    return this.serialized(async () => {
      await this.ready()
      await this.foldNewer()
    })
  }

  private async foldNewer() {
    if ((await maxVersion(this.store)) <= this.versionNow) return
    for (const change of await readChanges(this.store, { sinceVersion: this.versionNow })) {
      this.fold(change)
      this.events.emit('change', change)
    }
  }

  private fold(change: PolicyChange) {
    for (const c of change.rules) {
      this.everWritten.add(c.key)
      if (c.after) this.rules.set(c.key, c.after)
      else this.rules.delete(c.key)
    }
    this.versionNow = Math.max(this.versionNow, change.version)
  }

  /** All rules, including expired ones (the enforcer ignores those; undo may need them). */
  current(): { version: number; rules: Rule[] } {
    return { version: this.versionNow, rules: [...this.rules.values()] }
  }

  /** Keys the log wrote at some point that have no rule now (cleared, undone). */
  removedKeys(): string[] {
    return [...this.everWritten].filter((k) => !this.rules.has(k))
  }

  rulesMap(): ReadonlyMap<string, Rule> {
    return this.rules
  }

  commit(input: CommitInput): Promise<PolicyChange> {
    return this.serialized(async () => {
      await this.ready()
      await this.foldNewer()
      const at = Date.now()
      const version = this.versionNow + 1
      const rules = input.plan(this.rules, at).map((c) => ({ ...c, after: c.after && { ...c.after, version, updatedAt: at } }))
      if (rules.length === 0) throw new NothingToChange('the change would not modify any rule')
      const change: PolicyChange = {
        version,
        at,
        author: input.author,
        approvedBy: input.approvedBy ?? '',
        reason: input.reason,
        action: input.action,
        undoOf: input.undoOf ?? 0,
        rules,
      }
      await audited(this.store, input.audit(change), () => insertChange(this.store, change))
      this.fold(change)
      this.events.emit('change', change)
      return change
    })
  }

  /** One at a time: a commit, a poll and the initial load never interleave, so 'change' stays in order. */
  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.lock.then(run, run)
    this.lock = result.catch(() => {})
    return result
  }

  onChange(listener: (change: PolicyChange) => void): () => void {
    this.events.on('change', listener)
    return () => this.events.off('change', listener)
  }

  /** Stops polling (process shutdown, tests). The service still answers from what it holds. */
  stop() {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
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
