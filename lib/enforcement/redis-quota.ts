import Redis from 'ioredis'
import { CONVERT, GRANT } from './redis-allowance-scripts'
import { RedisLane } from './redis-lane'
import { OPEN_STREAMS, RECLAIM_CHANNEL, RENEW, RESERVE, SETTLE } from './redis-scripts'
import type { Limits, QuotaKind, QuotaStore, ReserveRequest, ReserveResult, SettleResult, Usage } from './quota'

/** The quotas of quota.ts in Redis, one Lua script per operation: redis-scripts.ts says how and why. */
type Scripted = Redis & {
  brReserve(...args: (string | number)[]): Promise<[number, string | number, number, string?]>
  brSettle(...args: (string | number)[]): Promise<SettleResult>
  brRenew(...args: (string | number)[]): Promise<number>
  brOpenStreams(...args: (string | number)[]): Promise<number>
}

/** One request admitted from an allowance, to become a lease of its own. */
export interface Admitted {
  leaseId: string
  tokens: number
  micros: number
}

/** What a flush sends for one install: its allowance, the requests admitted from it, and whether to give the rest back. */
export interface Conversion {
  installId: string
  allowanceId: string
  admitted: Admitted[]
  release: boolean
}

export interface GrantRequest {
  installId: string
  allowanceId: string
  tokens: number
  micros: number
  limits: Limits
  /** Redis grants at most 1/share of what is left of each quota. */
  share: number
  /** Nothing is granted below one request's worst case. */
  minTokens: number
  minMicros: number
  leaseMs: number
}

const keys = (installId: string) => {
  const tag = `br:{${installId}}`
  return [`${tag}:q`, `${tag}:leases`, `${tag}:exp`, `${tag}:streams`, `${tag}:settled`]
}
const opt = (n: number | undefined) => (n === undefined ? -1 : n)

export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis'
  private redis: Scripted
  private subscriber: Redis | null = null
  /** The allowance flushes' own connection (redis-lane.ts says why), opened by the first flush. */
  private lane: RedisLane | null = null
  private readonly url: string
  private readonly connectionName: string | undefined

  /** autoPipelining: only for the client bench's comparison (bench/enforcer-redis-client.ts). */
  /** log: connection errors, at most one line per 10 s (the calls themselves fail, and the decision answers 503). */
  constructor(url: string, opts: { connectionName?: string; autoPipelining?: boolean; log?: (line: string) => void } = {}) {
    // No auto-pipelining: a gateway's decisions arrive one per socket read, so ioredis's per-tick pipeline
    // almost never holds more than one call and costs ~90 µs of CPU per call instead of ~37 µs sent plainly
    // (bench/enforcer-redis-client.ts; 79 vs 125 µs of enforcer CPU per decision at 5,000/s, docs/benchmarks.md).
    this.url = url
    this.connectionName = opts.connectionName
    const redis = new Redis(url, { connectionName: opts.connectionName, enableAutoPipelining: opts.autoPipelining ?? false, maxRetriesPerRequest: 2 })
    redis.defineCommand('brReserve', { numberOfKeys: 4, lua: RESERVE })
    redis.defineCommand('brSettle', { numberOfKeys: 5, lua: SETTLE })
    redis.defineCommand('brRenew', { numberOfKeys: 4, lua: RENEW })
    redis.defineCommand('brOpenStreams', { numberOfKeys: 4, lua: OPEN_STREAMS })
    let loggedAt = 0
    redis.on('error', (err: Error) => {
      if (Date.now() - loggedAt < 10_000) return
      loggedAt = Date.now()
      opts.log?.(`[enforcer] Redis: ${err.message}`)
    })
    this.redis = redis as Scripted
  }

  /** Resolves once connected; rejects if Redis cannot be reached. */
  async ready(): Promise<void> {
    await this.redis.ping()
  }

  async reserve(r: ReserveRequest): Promise<ReserveResult> {
    const l = r.limits
    const res = await this.redis.brReserve(
      ...keys(r.installId).slice(0, 4),
      r.leaseId,
      r.contextTokens,
      r.wantOutput,
      r.stream ? 1 : 0,
      opt(l.tokensPerMinute),
      opt(l.tokensPerDay),
      opt(l.spendPerDayMicros),
      opt(l.maxConcurrentStreams),
      r.price ? r.price.input : -1,
      r.price ? r.price.output : 0,
      r.leaseMs,
    )
    if (res[0] === 1) return { ok: true, outputTokens: Number(res[1]), reservedTokens: Number(res[2]), reservedMicros: Number(res[3]) }
    return { ok: false, kind: res[1] as QuotaKind, retryAfterMs: Number(res[2]), ...(Number(res[3]) === 1 && { heldElsewhere: true }) }
  }

  async settle(installId: string, leaseId: string, used: Usage): Promise<SettleResult> {
    return this.redis.brSettle(...keys(installId), leaseId, used.tokens, used.micros)
  }

  async renew(installId: string, leaseId: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.brRenew(...keys(installId).slice(0, 4), leaseId, leaseMs)) === 1
  }

  async openStreams(installId: string): Promise<number> {
    return this.redis.brOpenStreams(...keys(installId).slice(0, 4))
  }

  /**
   * One round trip for a flush of allowances (allowance.ts), on the flushes' own connection (RedisLane): each batch
   * turns requests admitted from allowances into leases and renews or gives back the allowances (CONVERT; per
   * conversion the allowance's tokens left, -1 if gone), then each grant sets budget aside for one (GRANT; 0 tokens:
   * none). A command that failed is null in its place; a connection that failed rejects.
   */
  async exchange(
    batches: Conversion[][],
    grants: GrantRequest[],
    leaseMs: number,
    allowanceLeaseMs: number,
  ): Promise<{ left: (number[] | null)[]; granted: ({ tokens: number; micros: number } | null)[] }> {
    const lane = (this.lane ??= new RedisLane({
      url: this.url,
      scripts: { convert: CONVERT, grant: GRANT },
      connectionName: this.connectionName && `${this.connectionName}-flush`,
    }))
    const commands: (string | number)[][] = []
    for (const batch of batches) {
      const keyArgs: string[] = []
      const argv: (string | number)[] = [leaseMs, allowanceLeaseMs]
      for (const c of batch) {
        const k = keys(c.installId)
        keyArgs.push(k[0], k[1], k[2], k[4])
        argv.push(c.allowanceId, c.release ? 1 : 0, c.admitted.length)
        for (const r of c.admitted) argv.push(r.leaseId, r.tokens, r.micros)
      }
      commands.push(lane.script('convert', keyArgs.length, [...keyArgs, ...argv]))
    }
    for (const g of grants) {
      const l = g.limits
      commands.push(
        lane.script('grant', 4, [
          ...keys(g.installId).slice(0, 4),
          g.allowanceId,
          g.tokens,
          g.micros,
          opt(l.tokensPerMinute),
          opt(l.tokensPerDay),
          opt(l.spendPerDayMicros),
          g.share,
          g.minTokens,
          g.minMicros,
          g.leaseMs,
        ]),
      )
    }
    const res = await lane.send(commands)
    const ok = (i: number) => (res[i] instanceof Error ? null : res[i])
    return {
      left: batches.map((_, i) => ok(i) as number[] | null),
      granted: grants.map((_, j) => {
        const g = ok(batches.length + j) as [number, string] | null
        return g ? { tokens: Number(g[0]), micros: Number(g[1]) } : null
      }),
    }
  }

  /**
   * Calls back with the install whenever a replica was refused while allowances of it may be held (RESERVE), so
   * the holders give them back. One more connection, subscribed; ioredis resubscribes after a reconnect, and a
   * message lost meanwhile is made up for by the holder's next flush (CONVERT reads the same request).
   */
  async onReclaim(giveBack: (installId: string) => void): Promise<void> {
    this.subscriber ??= this.redis.duplicate({ connectionName: 'burnrate-enforcer-reclaim' })
    this.subscriber.on('error', () => {}) // the main connection logs Redis errors
    this.subscriber.on('message', (_channel: string, countersKey: string) => {
      const m = /^br:\{(.*)\}:q$/.exec(countersKey)
      if (m) giveBack(m[1])
    })
    await this.subscriber.subscribe(RECLAIM_CHANNEL)
  }

  /** A grant on its own (tests; the enforcer sends grants in its flushes, exchange()). */
  async grant(g: GrantRequest): Promise<{ tokens: number; micros: number }> {
    const { granted } = await this.exchange([], [g], 0, 0)
    if (!granted[0]) throw new Error('grant failed')
    return granted[0]
  }

  async close() {
    this.lane?.close()
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect())
    await this.redis.quit().catch(() => this.redis.disconnect())
  }
}
