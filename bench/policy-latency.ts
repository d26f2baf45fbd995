import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { migrate } from '../lib/clickhouse/migrate'
import type { Principal } from '../lib/auth/roles'
import { applyChangeRequest } from '../lib/policy/apply'
import { PolicyEnforcer } from '../lib/policy/enforcer'
import { followPolicyTopic } from '../lib/policy/follower'
import { attachEnforcer } from '../lib/policy/in-process'
import { KeyRing } from '../lib/policy/keys'
import { PolicyPublisher } from '../lib/policy/publisher'
import { PolicyService } from '../lib/policy/service'
import { openBenchStore } from './bench-store'

export interface PolicyLatencyOptions {
  /** embedded: in-process enforcer (no Kafka). stack: Kafka topic → follower → enforcer. */
  mode?: 'embedded' | 'stack'
  /** Changes to time (at least 50 for a meaningful p95). */
  n?: number
  /** Stack mode: broker list (default KAFKA_BROKERS). */
  brokers?: string[]
  log?: (line: string) => void
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]

/**
 * Click-to-enforce latency: from the moment the dashboard's apply handler
 * starts (permission checks, version allocation, append to the ClickHouse
 * log) until the reference enforcer refuses the revoked install. In stack
 * mode that includes signing, the idempotent acks=all send, the compacted
 * topic and the gateway's consumer and signature check. The HTTP hop from the
 * browser is not included (same machine, ~1 ms).
 */
export async function benchPolicyLatency(opts: PolicyLatencyOptions = {}): Promise<{ p50: number; p95: number; n: number; mode: string }> {
  const mode = opts.mode ?? 'embedded'
  const n = Math.max(1, opts.n ?? 60)
  const dir = mkdtempSync(join(tmpdir(), 'br-bench-policy-'))
  const store = await openBenchStore(dir, `bench_policy_${process.pid}`)
  await migrate(store, { retentionDays: 1 })
  const service = new PolicyService(store)
  await service.ready()
  const deps = { store, service, limits: { responderMaxInstalls: 50, responderMaxHours: 24, secondApprover: false } }
  const admin: Principal = { userId: 'bench', displayName: 'bench', role: 'admin', provider: 'local' }
  const stops: (() => Promise<void>)[] = []
  let enforcer: PolicyEnforcer
  if (mode === 'embedded') {
    const attached = attachEnforcer(service)
    await attached.ready
    enforcer = attached.enforcer
  } else {
    const brokers = opts.brokers ?? (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
    const topic = `burnrate-policy-bench-${Date.now().toString(36)}`
    const ring = await KeyRing.load({ dataDir: dir, graceHours: 1 })
    const publisher = new PolicyPublisher({ brokers, topic, clientId: 'bench' }, service, ring)
    await publisher.start()
    stops.push(() => publisher.stop())
    enforcer = new PolicyEnforcer()
    const follower = await followPolicyTopic({ brokers, topic, enforcer, jwks: async () => ring.jwks(), clientId: 'bench-gateway' })
    stops.push(follower.stop)
    await follower.caughtUp
  }
  const samples: number[] = []
  try {
    for (let i = 0; i < n + 3; i++) {
      const install = `bench-install-${i}`
      const enforced = new Promise<number>((resolve) => {
        const off = enforcer.onApplied(() => {
          const d = enforcer.admit({ tenantId: 't', feature: 'f', installId: install, contextTokens: 1, stream: false, nowMs: Date.now() })
          if (!d.allowed) {
            off()
            resolve(performance.now())
          }
        })
      })
      const t0 = performance.now()
      await applyChangeRequest(
        deps,
        admin,
        { scope: 'install', subjects: [install], action: 'revoke', controls: {}, durationMinutes: 60, reason: 'latency bench' },
        null,
      )
      const ms = (await enforced) - t0
      if (i >= 3) samples.push(ms) // first changes warm up connections and JIT
    }
  } finally {
    for (const s of stops) await s().catch(() => {})
    await store.close().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
  samples.sort((a, b) => a - b)
  const round = (v: number) => Math.round(v * 10) / 10
  const result = { p50: round(quantile(samples, 0.5)), p95: round(quantile(samples, 0.95)), n: samples.length, mode }
  opts.log?.(`[bench] policy click-to-enforce (${mode}): p50 ${result.p50} ms, p95 ${result.p95} ms over ${result.n} changes`)
  return result
}

// `npx tsx bench/policy-latency.ts [embedded|stack] [n]`
if (process.argv[1]?.endsWith('policy-latency.ts')) {
  const mode = (process.argv[2] ?? 'embedded') as 'embedded' | 'stack'
  benchPolicyLatency({ mode, n: Number(process.argv[3] ?? 60), log: console.log })
    .then((r) => {
      console.log(JSON.stringify(r))
      process.exit(0)
    })
    .catch((err) => {
      console.error(err)
      process.exit(1)
    })
}
