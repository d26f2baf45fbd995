import type { Role } from '../lib/auth/roles'
import type { RunningEnforcer } from '../lib/enforcement/service'
import { embeddedAppEnv } from './app-env'
import { serveRoutes } from './app-http'
import { startFakeLlm, type FakeLlm } from './fake-llm'
import { brokerListFromEnv } from './kafka-broker'
import { testKafka, uniqueName } from './kafka-io'
import { startNginx, type NginxRun } from './nginx'
import { startRedis, type RedisRun } from './redis'
import { routeCaller, type Handler } from './route-call'
import { signedInCookies } from './session-cookies'

export const GATEWAY_TOKEN = 'gw-token-enforcer-0123456789abcdef0123'

/**
 * Must run before anything imports the app runtime: the dashboard's routes in
 * this process (fresh chDB, no ingest, no detectors), publishing policy to a
 * topic of its own on the test broker.
 */
export function appEnv(name: string) {
  const topics = { policy: uniqueName(`${name}-policy`), events: uniqueName(`${name}-events`) }
  embeddedAppEnv(name, { POLICY_GATEWAY_TOKENS: `edge-1=${GATEWAY_TOKEN}`, POLICY_KAFKA: '1', POLICY_TOPIC: topics.policy, KAFKA_TOPIC: topics.events })
  return topics
}

export interface Stack {
  app: { url: string }
  llm: FakeLlm
  nginx: NginxRun
  redis: RedisRun | null
  enforcers: RunningEnforcer[]
  /** POST /api/policy/changes as an admin, through the dashboard's route. */
  change: (body: Record<string, unknown>) => Promise<{ status: number; version?: number }>
  /** One call through nginx. */
  ask: (
    installId: string,
    opts?: { stream?: boolean; tokens?: number; bytes?: number; maxOutput?: number; signal?: AbortSignal; intervalMs?: number },
  ) => Promise<Response>
  stop: () => Promise<void>
}

export async function startStack(opts: {
  topics: { policy: string; events: string }
  replicas?: number
  redis?: boolean
  enforcer?: Partial<import('../lib/enforcement/service').EnforcerOptions>
}): Promise<Stack> {
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {})
  }
  try {
    const brokers = brokerListFromEnv()
    const admin = testKafka().admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: opts.topics.events, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true })
    await admin.disconnect()
    const cookies: Partial<Record<Role, string>> = await signedInCookies(['admin'])
    const routes = {
      '/api/policy/snapshot': await import('../app/api/policy/snapshot/route'),
      '/api/policy/jwks': await import('../app/api/policy/jwks/route'),
      '/api/policy/changes': await import('../app/api/policy/changes/route'),
    } as unknown as Record<string, Record<string, Handler>>
    const app = await serveRoutes(routes)
    stops.push(app.stop)
    const call = routeCaller(cookies)
    const change = async (body: Record<string, unknown>) => {
      const res = await call(routes['/api/policy/changes'].POST, 'POST', '/api/policy/changes', {
        role: 'admin',
        body: { durationMinutes: 60, reason: 'enforcer test', controls: {}, ...body },
      })
      const json = (await res.json()) as { version?: number }
      return { status: res.status, version: json.version }
    }
    const llm = await startFakeLlm({ brokers, topic: opts.topics.events })
    stops.push(llm.stop)
    const redis = opts.redis ? await startRedis() : null
    if (redis) stops.push(redis.stop)
    const { startEnforcer } = await import('../lib/enforcement/service')
    const enforcers: RunningEnforcer[] = []
    // One consumer group for all replicas, as in production: each event settles once.
    const group = uniqueName('enforcer-group')
    for (let i = 0; i < (opts.replicas ?? 1); i++) {
      const e = await startEnforcer({
        host: '127.0.0.1',
        port: 0,
        replica: `it-${i}`,
        policyUrl: app.url,
        gatewayToken: GATEWAY_TOKEN,
        brokers,
        policyTopic: opts.topics.policy,
        eventsTopic: opts.topics.events,
        group,
        clientId: 'it',
        redisUrl: redis?.url,
        failMode: 'closed',
        maxStalenessMs: 30_000,
        pollMs: 500,
        leaseMs: 60_000,
        streamLeaseMs: 30_000,
        allowanceRequests: 16, // as shipped (ENFORCER_ALLOWANCE_REQUESTS): the replicas admit from allowances
        defaultMaxOutput: 1000,
        log: () => {},
        ...opts.enforcer,
      })
      stops.push(e.stop)
      enforcers.push(e)
    }
    llm.watchUrl = enforcers[0].url
    const nginx = await startNginx({ enforcers: enforcers.map((e) => e.port), llmPort: llm.port })
    stops.push(nginx.stop)
    const ask: Stack['ask'] = (installId, o = {}) =>
      fetch(`${nginx.url}/v1/chat/completions`, {
        method: 'POST',
        signal: o.signal,
        headers: {
          'content-type': 'application/json',
          'x-burnrate-install-id': installId,
          'x-burnrate-tenant': 't1',
          'x-burnrate-feature': 'chat',
          'x-burnrate-model': 'gpt-4o-mini',
          'x-burnrate-app-id': 'com.example.app',
          'x-burnrate-app-version': '1.0',
          'x-burnrate-platform': 'android',
          ...(o.stream ? { 'x-burnrate-stream': '1' } : {}),
          ...(o.maxOutput !== undefined ? { 'x-burnrate-max-output-tokens': String(o.maxOutput) } : {}),
        },
        body: JSON.stringify({ stream: o.stream ?? false, tokens: o.tokens ?? 20, interval_ms: o.intervalMs, pad: 'x'.repeat(o.bytes ?? 0) }),
      })
    return { app, llm, nginx, redis, enforcers, change, ask, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
