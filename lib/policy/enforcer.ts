import { resolveControls, type Effective, type RequestContext } from './resolve'
import { RULE_KIND_OF, type ControlName, type Rule, type RuleKind } from './types'

/**
 * Reference enforcement module a Node gateway can embed (no I/O, no store):
 * feed it policy (snapshot, deltas or compacted-topic records) and ask it
 * before every upstream call. State per install: a token bucket for
 * tokens/minute, UTC-day counters for tokens and spend, open streams.
 * The simulator uses it, so what the dashboard shows is what a gateway would do.
 *
 * Policy only moves forward. Every input says as of which version it holds;
 * anything older than what the enforcer already holds for that key is ignored,
 * so a replayed signed record (say the pre-revocation rule of an install)
 * cannot lift a revocation. A snapshot older than the current version is
 * refused; a delta that does not continue from the version held (a gap) is
 * refused too, and the gateway then refetches a full snapshot.
 */
export interface AdmitRequest extends RequestContext {
  /** Tokens the prompt (context) will bill. */
  contextTokens: number
  stream: boolean
  nowMs: number
}

export type Decision =
  | { allowed: false; ruleKind: RuleKind; ruleId: string; version: number }
  | {
      allowed: true
      /** Most completion tokens this call may produce (null: no cap), and the rule that set the tightest cap. */
      outputCap: number | null
      capKind: RuleKind | null
      capRuleId: string | null
      version: number
      /** Call when the call ends with what it used: settles quotas, frees a stream slot. */
      settle: (used: { promptTokens: number; completionTokens: number; costMicros: number; nowMs: number }) => void
    }

/** What applyDelta did: 'gap' = versions between ours and the delta's start are missing: refetch the snapshot. */
export type DeltaResult = 'applied' | 'stale' | 'gap'

interface InstallState {
  bucket: number
  bucketAt: number
  day: number
  dayTokens: number
  daySpend: number
  streams: number
  touched: number
}

const DAY_MS = 86_400_000

export class PolicyEnforcer {
  private rules = new Map<string, Rule>()
  /** As of which version each key's state is known (removed keys too), above the snapshot's floor. */
  private keyVersions = new Map<string, number>()
  /** Version of the last snapshot: it stated every key as of then. */
  private floor = 0
  private installs = new Map<string, InstallState>()
  private risky = new Set<string>()
  private versionNow = 0
  /** Wall-clock time each version was applied, for acks and latency measurements. */
  readonly appliedAt = new Map<number, number>()
  private listeners: ((version: number) => void)[] = []

  get version(): number {
    return this.versionNow
  }

  onApplied(listener: (version: number) => void): () => void {
    this.listeners.push(listener)
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener)
    }
  }

  private applied(version: number) {
    if (version <= this.versionNow) return
    this.versionNow = version
    this.appliedAt.set(version, Date.now())
    if (this.appliedAt.size > 1000) this.appliedAt.delete(this.appliedAt.keys().next().value!)
    for (const l of this.listeners) l(version)
  }

  /** Equal versions are accepted: the same version states the same policy (a re-signed republish). */
  private isStale(key: string, version: number): boolean {
    return version < Math.max(this.floor, this.keyVersions.get(key) ?? 0)
  }

  private put(key: string, rule: Rule | null, version: number) {
    if (rule) this.rules.set(key, rule)
    else this.rules.delete(key)
    this.keyVersions.set(key, version)
  }

  /** Replaces the whole policy. Returns false (and changes nothing) if it is older than what we hold. */
  applySnapshot(s: { version: number; rules: Rule[] }): boolean {
    if (s.version < this.versionNow) return false
    this.rules = new Map(s.rules.map((r) => [r.key, r]))
    this.keyVersions.clear()
    this.floor = s.version
    this.applied(s.version)
    return true
  }

  /**
   * Changes after `fromVersion`, as of `version`. Usable when fromVersion <= ours <= version: it then
   * holds the latest state of every key that changed since ours. Otherwise nothing is applied.
   */
  applyDelta(d: { fromVersion: number; version: number; upserts: Rule[]; removed: string[] }): DeltaResult {
    if (d.version < this.versionNow) return 'stale'
    if (d.fromVersion > this.versionNow) return 'gap'
    for (const k of d.removed) this.put(k, null, d.version)
    for (const r of d.upserts) this.put(r.key, r, d.version)
    this.applied(d.version)
    return 'applied'
  }

  /** One rule's state as of `version` (compacted-topic record). Returns false if we hold a newer one. */
  applyRule(key: string, rule: Rule | null, version: number): boolean {
    if (this.isStale(key, version)) return false
    this.put(key, rule, version)
    this.applied(version)
    return true
  }

  /** Marks several rules then the version at once, so no request sees half a change. Stale entries are skipped. */
  applyChange(version: number, rules: { key: string; after: Rule | null }[]): boolean {
    const fresh = rules.filter((r) => !this.isStale(r.key, version))
    for (const r of fresh) this.put(r.key, r.after, version)
    if (fresh.length > 0) this.applied(version)
    return fresh.length > 0
  }

  ruleCount(): number {
    return this.rules.size
  }

  /** Attestation verdicts feed risky-only degrade rules. */
  noteAttestation(installId: string, rejected: boolean) {
    if (rejected) this.risky.add(installId)
    else this.risky.delete(installId)
  }

  private state(installId: string, nowMs: number): InstallState {
    let s = this.installs.get(installId)
    if (!s) {
      s = { bucket: Number.POSITIVE_INFINITY, bucketAt: nowMs, day: Math.floor(nowMs / DAY_MS), dayTokens: 0, daySpend: 0, streams: 0, touched: nowMs }
      this.installs.set(installId, s)
      if (this.installs.size > 200_000) this.prune(nowMs)
    }
    const day = Math.floor(nowMs / DAY_MS)
    if (day !== s.day) Object.assign(s, { day, dayTokens: 0, daySpend: 0 })
    s.touched = nowMs
    return s
  }

  /** Forgets idle installs (no open streams, quiet 10 min): a full bucket is what a new state has anyway. */
  prune(nowMs: number) {
    for (const [id, s] of this.installs) if (s.streams === 0 && nowMs - s.touched > 600_000) this.installs.delete(id)
  }

  /** The controls that apply to a caller now, and the rule that set each (for services that keep quotas elsewhere, e.g. lib/enforcement). */
  resolve(ctx: RequestContext, nowMs: number): Effective {
    return resolveControls(this.rules, { ...ctx, risky: ctx.risky ?? this.risky.has(ctx.installId) }, nowMs)
  }

  /** Whether policy revokes this caller now: a gateway closes the open streams of a revoked install. */
  revokes(ctx: RequestContext, nowMs: number): boolean {
    return resolveControls(this.rules, { ...ctx, risky: ctx.risky ?? this.risky.has(ctx.installId) }, nowMs).controls.revoked === true
  }

  admit(req: AdmitRequest): Decision {
    const ctx = { ...req, risky: req.risky ?? this.risky.has(req.installId) }
    const { controls: c, source } = resolveControls(this.rules, ctx, req.nowMs)
    const version = this.versionNow
    const deny = (name: ControlName): Decision => ({ allowed: false, ruleKind: RULE_KIND_OF[name], ruleId: source[name]!.key, version })
    if (c.revoked) return deny('revoked')
    if (c.maxContextTokens !== undefined && req.contextTokens > c.maxContextTokens) return deny('maxContextTokens')
    if (c.degrade && req.contextTokens > c.degrade.maxContextTokens) return deny('degrade')
    const s = this.state(req.installId, req.nowMs)
    if (req.stream && c.maxConcurrentStreams !== undefined && s.streams >= c.maxConcurrentStreams) return deny('maxConcurrentStreams')
    if (c.tokensPerDay !== undefined && s.dayTokens + req.contextTokens > c.tokensPerDay) return deny('tokensPerDay')
    if (c.spendPerDayMicros !== undefined && s.daySpend >= c.spendPerDayMicros) return deny('spendPerDayMicros')
    if (c.tokensPerMinute !== undefined) {
      const rate = c.tokensPerMinute / 60_000
      // Calls may be reported slightly out of order (streams are admitted at their start): never refill backwards.
      s.bucket = Math.min(c.tokensPerMinute, s.bucket + Math.max(0, req.nowMs - s.bucketAt) * rate)
      s.bucketAt = Math.max(s.bucketAt, req.nowMs)
      if (s.bucket < req.contextTokens) return deny('tokensPerMinute')
      s.bucket -= req.contextTokens
    }
    s.dayTokens += req.contextTokens
    // The tightest output cap wins; remember which rule set it for cut_by_policy accounting.
    const caps: [number, ControlName][] = []
    if (c.maxOutputTokens !== undefined) caps.push([c.maxOutputTokens, 'maxOutputTokens'])
    if (c.degrade) caps.push([c.degrade.maxOutputTokens, 'degrade'])
    if (c.tokensPerMinute !== undefined) caps.push([Math.floor(s.bucket), 'tokensPerMinute'])
    if (c.tokensPerDay !== undefined) caps.push([c.tokensPerDay - s.dayTokens, 'tokensPerDay'])
    caps.sort((a, b) => a[0] - b[0])
    const tightest = caps[0]
    if (req.stream) s.streams++
    let settled = false
    return {
      allowed: true,
      version,
      outputCap: tightest ? Math.max(0, tightest[0]) : null,
      capKind: tightest ? RULE_KIND_OF[tightest[1]] : null,
      capRuleId: tightest ? source[tightest[1]]!.key : null,
      settle: (used) => {
        if (settled) return
        settled = true
        if (req.stream) s.streams = Math.max(0, s.streams - 1)
        if (c.tokensPerMinute !== undefined) s.bucket -= used.completionTokens
        s.dayTokens += used.completionTokens + Math.max(0, used.promptTokens - req.contextTokens)
        s.daySpend += used.costMicros
      },
    }
  }
}
