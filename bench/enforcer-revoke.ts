import { performance } from 'node:perf_hooks'
import { fmt } from './stats'

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]

/**
 * Click to 403 at a real nginx, through Kafka: the dashboard's POST
 * /api/policy/changes (in this process, chDB log, audit) → publisher → compacted
 * topic → `npm run enforcer`'s follower (signature check) → nginx auth_request
 * answers 403. The client asks nginx every 10 ms. Split in two: click → the
 * enforcer applied the version (the reference: what any follower of the topic
 * gets), and applied → 403 at nginx. Also: applied → the install's open stream
 * cut by its watch.
 */
export async function benchEnforcerRevoke(opts: { brokers?: string[]; n?: number } = {}) {
  if (opts.brokers?.length) process.env.KAFKA_BROKERS = opts.brokers.join(',')
  const { appEnv, startStack } = await import('../harness/enforcer-stack')
  const topics = appEnv('bench_enforcer_revoke')
  const stack = await startStack({ topics, enforcer: { pollMs: 2_000 } })
  const n = opts.n ?? 30
  const to403: number[] = []
  const toApplied: number[] = []
  const toCut: number[] = []
  try {
    const { waitFor } = await import('../harness/free-port')
    await waitFor('the enforcer to follow the topic', async () => stack.enforcers[0].health().topicLag === 0, 60_000)
    for (let i = 0; i < n + 3; i++) {
      const install = `bench-rev-${i}`
      const stream = await stack.ask(install, { stream: true, tokens: 1_000_000, intervalMs: 200 })
      const reader = stream.body!.getReader()
      await reader.read()
      const t0 = performance.now()
      const wall0 = Date.now()
      const { version } = await stack.change({ scope: 'install', subjects: [install], action: 'revoke' })
      for (;;) {
        const r = await stack.ask(install)
        await r.arrayBuffer()
        if (r.status === 403) break
        await new Promise((res) => setTimeout(res, 10))
      }
      const ms = performance.now() - t0
      while (!(await reader.read()).done) {
        /* drain until the cut */
      }
      const applied = stack.enforcers[0].enforcer.appliedAt.get(version!)!
      const call = stack.llm.calls.find((c) => c.installId === install && c.stream)!
      if (i >= 3) {
        to403.push(ms)
        toApplied.push(applied - wall0)
        toCut.push((call.cutAt ?? Number.NaN) - applied)
      }
    }
  } finally {
    await stack.stop()
  }
  for (const a of [to403, toApplied, toCut]) a.sort((x, y) => x - y)
  const q = (a: number[]) => `p50 ${fmt(quantile(a, 0.5), 0)} ms, p95 ${fmt(quantile(a, 0.95), 0)} ms`
  console.log(`click→403 ${q(to403)}; click→applied ${q(toApplied)}; applied→stream cut ${q(toCut)}`)
  return {
    rows: [
      {
        metric: `click (POST /api/policy/changes) → 403 at nginx, through Kafka and npm run enforcer, ${n} revocations`,
        ours: q(to403),
        reference: `click → version applied at the enforcer (the topic's own delivery): ${q(toApplied)}`,
        ratio: `p95 ${fmt(quantile(to403, 0.95) / quantile(toApplied, 0.95), 2)}`,
        target: 'p95 ≤ 1 s',
      },
      {
        metric: "revocation applied at the enforcer → the install's open SSE stream cut (watch → provider side → nginx)",
        ours: q(toCut),
        reference: '—',
        ratio: '—',
        target: '≤ 1 s',
      },
    ],
  }
}
