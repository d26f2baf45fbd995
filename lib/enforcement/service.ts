import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PolicyEnforcer } from '../policy/enforcer'
import type { RuleKind } from '../policy/types'
import { defaultPriceBook } from '../pricing/cost'
import { Decider, type Answer, type DecisionStats, type FailMode } from './decide'
import { ACK_HEARTBEAT_MS, EventLink, type SettleStats } from './events'
import { H, headerGetter, parseDecisionHeaders } from './headers'
import { HttpAcker } from './http-ack'
import { PolicySource, type PolicyHealth } from './policy-source'
import { MemoryQuotaStore, type QuotaStore } from './quota'
import { RedisQuotaStore } from './redis-quota'
import { AllowanceQuotaStore, type AllowanceStats } from './allowance'
import { StreamWatches } from './streams'
import { gcStats, type GcStats } from './gc-stats'

export interface EnforcerOptions {
  host: string
  /** 0: any free port. */
  port: number
  replica: string
  policyUrl: string
  gatewayToken?: string
  /** Empty: no Kafka (policy by HTTP polling only, reservations released by lease timeout only, acks over HTTP). */
  brokers: string[]
  policyTopic: string
  eventsTopic: string
  group: string
  clientId: string
  redisUrl?: string
  failMode: FailMode
  maxStalenessMs: number
  pollMs: number
  leaseMs: number
  streamLeaseMs: number
  /** With Redis: allowance size in worst cases (allowance.ts); 0 or absent: every decision is a round trip. */
  allowanceRequests?: number
  defaultMaxOutput: number
  /** How often the version held is re-acked (the replica's heartbeat on the Policies page); default ACK_HEARTBEAT_MS. */
  ackHeartbeatMs?: number
  log: (line: string) => void
}

/** GET /health. */
export interface EnforcerHealth extends PolicyHealth {
  replica: string
  failMode: FailMode
  maxStalenessMs: number
  quotaStore: 'memory' | 'redis'
  /** Decisions admitted locally from allowances and sent to Redis, grants, flushes (null: allowances off). */
  allowances: AllowanceStats | null
  decisions: DecisionStats
  settlement: SettleStats | null
  streams: { watched: number; cut: number }
  /** Garbage-collection pauses since start (gc-stats.ts): what a decision may wait for besides the work itself. */
  gc: GcStats
}

export interface RunningEnforcer {
  url: string
  port: number
  enforcer: PolicyEnforcer
  source: PolicySource
  decider: Decider
  quotas: QuotaStore
  events: EventLink | null
  watches: StreamWatches
  health: () => EnforcerHealth
  stop: () => Promise<void>
}

/**
 * Headers as a flat [name, value, ...] list: node writes it without the per-header object walk and validation
 * that an object costs (the hot path of every decision; profiled with --cpu-prof, bench/enforcer.ts). No Date header.
 */
/** The decision route: Envoy's ext_authz appends the original path to its path_prefix, so any path under /v1/decide. */
export const isDecidePath = (path: string) => path === '/v1/decide' || path.startsWith('/v1/decide/')

function send(res: ServerResponse, a: Answer) {
  const body = JSON.stringify(a.body)
  const flat: string[] = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'cache-control', 'no-store']
  for (const k in a.headers) flat.push(k, a.headers[k])
  res.sendDate = false
  res.writeHead(a.status, flat)
  res.end(body)
}

/**
 * `npm run enforcer`: the policy decision service gateways call per request
 * (nginx auth_request, Envoy ext_authz HTTP, Traefik forwardAuth). Routes:
 *   ANY /v1/decide[/...]    decision from headers (docs/enforcer.md)
 *   GET /v1/streams/check   200 if the caller may keep streaming, 403 if revoked
 *   GET /v1/streams/watch   SSE: `event: revoked` the moment a revocation applies
 *   GET /health             version held, its age, lag, refusals, store (503 while not fit to decide)
 */
export async function startEnforcer(o: EnforcerOptions): Promise<RunningEnforcer> {
  const enforcer = new PolicyEnforcer()
  let quotas: QuotaStore
  if (o.redisUrl) {
    const redis = new RedisQuotaStore(o.redisUrl, { connectionName: `burnrate-enforcer-${o.replica}`, log: o.log })
    await redis.ready()
    const requests = o.allowanceRequests ?? 0
    quotas = requests > 0 ? new AllowanceQuotaStore(redis, { requests, requestLeaseMs: o.leaseMs, replica: o.replica, log: o.log }) : redis
    o.log(
      `[enforcer] quotas in Redis (${new URL(o.redisUrl).host}): exact across replicas; ${requests > 0 ? `allowances of ${requests} worst cases` : 'no allowances, one round trip per decision'}`,
    )
  } else {
    quotas = new MemoryQuotaStore()
    o.log('[enforcer] REDIS_URL not set: quotas are kept in memory, exact for this single replica only; run one replica or set REDIS_URL')
  }
  const source = new PolicySource({
    enforcer,
    policyUrl: o.policyUrl,
    token: o.gatewayToken,
    brokers: o.brokers,
    topic: o.policyTopic,
    clientId: `${o.clientId}-enforcer-${o.replica}`,
    pollMs: o.pollMs,
    maxStalenessMs: o.maxStalenessMs,
    log: o.log,
  })
  const decider = new Decider({
    enforcer,
    quotas,
    prices: defaultPriceBook,
    freshness: () => source.freshness(),
    failMode: o.failMode,
    defaultMaxOutput: o.defaultMaxOutput,
    leaseMs: o.leaseMs,
    streamLeaseMs: o.streamLeaseMs,
  })
  const watches = new StreamWatches(enforcer, quotas, o.streamLeaseMs)
  let events: EventLink | null = null
  let kafkaAcks = false
  if (o.brokers.length > 0) {
    events = new EventLink({
      brokers: o.brokers,
      topic: o.eventsTopic,
      groupId: o.group,
      clientId: `${o.clientId}-enforcer-${o.replica}`,
      gatewayId: `enforcer-${o.replica}`,
      quotas,
      prices: defaultPriceBook,
      streamLeaseMs: o.streamLeaseMs,
      log: o.log,
    })
    kafkaAcks = await events.start().then(
      () => true,
      (err) => {
        o.log(`[enforcer] events topic not reachable (${(err as Error).message}): reservations are released by lease timeout only, acks over HTTP`)
        return false
      },
    )
  }
  // Acks and heartbeats on the events topic, or through the app's POST /api/policy/ack without Kafka: the Policies page lists the replica either way.
  const gatewayId = `enforcer-${o.replica}`
  const acker: { ack: (version: number) => Promise<void> } =
    kafkaAcks && events ? events : new HttpAcker({ policyUrl: o.policyUrl, token: o.gatewayToken, gatewayId, log: o.log })
  enforcer.onApplied((v) => void acker.ack(v).catch(() => {}))
  await source.start()
  // onApplied fires for versions above 0 only: a fresh install's empty policy (v0) is acked here, not 30 s later.
  if (source.health().ready && enforcer.version === 0) void acker.ack(0).catch(() => {})
  // Re-acks the version held: its newest ack is when the replica was last seen (v0, an empty policy, included).
  const heartbeat = setInterval(() => {
    if (source.health().ready) void acker.ack(enforcer.version).catch(() => {})
  }, o.ackHeartbeatMs ?? ACK_HEARTBEAT_MS)
  heartbeat.unref()

  const ctxOf = (req: IncomingMessage) => {
    const get = headerGetter(req.headers)
    const ids = { installId: get(H.installId), tenantId: get(H.tenant), feature: get(H.feature), requestId: get(H.requestId) }
    const missing = Object.entries(ids).find(([, v]) => !v)
    return missing
      ? { error: `${missing[0]} header missing` }
      : { ctx: { installId: ids.installId!, tenantId: ids.tenantId!, feature: ids.feature! }, requestId: ids.requestId! }
  }
  const gc = gcStats()
  const health = (): EnforcerHealth => {
    const p = source.health()
    return {
      replica: o.replica,
      ...p,
      failMode: o.failMode,
      maxStalenessMs: o.maxStalenessMs,
      quotaStore: quotas.kind,
      allowances: quotas instanceof AllowanceQuotaStore ? quotas.stats : null,
      decisions: decider.stats,
      settlement: events?.stats ?? null,
      streams: { watched: watches.open, cut: watches.cut },
      gc: gc.stats,
    }
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (isDecidePath(path)) {
      const parsed = parseDecisionHeaders(headerGetter(req.headers))
      if (!parsed.ok) return send(res, decider.badInput(parsed.error))
      decider.decide(parsed.input).then(
        (a) => {
          send(res, a)
          if ((a.status === 403 || a.status === 429) && events)
            events.denied(parsed.input, a.body as { rule_kind: RuleKind; rule_id: string | null; policy_version: number })
        },
        (err) => {
          o.log(`[enforcer] decision failed: ${(err as Error).message}`)
          send(res, { status: 503, headers: { 'x-burnrate-status': '503', 'retry-after': '1' }, body: { error: 'quota_store_unavailable' } })
        },
      )
      return
    }
    if (req.method === 'GET' && (path === '/v1/streams/check' || path === '/v1/streams/watch')) {
      const c = ctxOf(req)
      if ('error' in c) return send(res, decider.badInput(c.error!))
      if (path === '/v1/streams/watch') return watches.watch(c.ctx, c.requestId, res)
      const allowed = watches.allowed(c.ctx)
      if (allowed) void quotas.renew(c.ctx.installId, c.requestId, o.streamLeaseMs).catch(() => {})
      return send(res, {
        status: allowed ? 200 : 403,
        headers: {},
        body: allowed ? { allowed: true } : { allowed: false, rule_kind: 'revoked', policy_version: enforcer.version },
      })
    }
    if (req.method === 'GET' && path === '/health') {
      const h = health()
      const fit = h.ready && (!h.stale || o.failMode === 'open')
      return send(res, { status: fit ? 200 : 503, headers: {}, body: { ...h } })
    }
    send(res, { status: 400, headers: {}, body: { error: 'unknown_route', detail: 'use /v1/decide, /v1/streams/check, /v1/streams/watch or /health' } })
  })
  server.keepAliveTimeout = 75_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${o.host}:${port}`,
    port,
    enforcer,
    source,
    decider,
    quotas,
    events,
    watches,
    health,
    stop: async () => {
      clearInterval(heartbeat)
      gc.stop()
      watches.closeAll()
      const closed = new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections()
      await closed
      await source.stop()
      await events?.stop()
      await quotas.close()
    },
  }
}
