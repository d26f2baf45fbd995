import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Redis from 'ioredis'
import { Decider } from '../lib/enforcement/decide'
import { MemoryQuotaStore } from '../lib/enforcement/quota'
import { PolicyEnforcer } from '../lib/policy/enforcer'
import { defaultPriceBook } from '../lib/pricing/cost'
import { KeyRing } from '../lib/policy/keys'
import type { Rule } from '../lib/policy/types'
import { freePort, waitFor } from '../harness/free-port'
import { startRedis } from '../harness/redis'
import { fmt } from './stats'
import { cpuTicks, machineNote, machineShare } from './machine-share'
import type { LoadResult, LoadSpec } from './load-gen'
import { hasWrk, wrkRows } from './enforcer-wrk'
import { overshoot } from './enforcer-overshoot'
import { redisClientCosts } from './enforcer-redis-client'
import type { GcStats } from '../lib/enforcement/gc-stats'

/**
 * `npm run bench -- --only enforcer`:
 *  - decision latency of `npm run enforcer` (its own process, quotas in memory and in redis-server) at 1,000 and
 *    5,000 decisions/s, open loop over keep-alive HTTP (bench/load-gen.ts, its own process on its own core, latency
 *    from each request's due time), against a do-nothing node HTTP server measured the same way (the floor of the
 *    hop: client, loopback, node's HTTP parser). BENCH_ENFORCER_CPU_PROF=<dir> writes the enforcer's --cpu-prof;
 *  - quota overshoot under 20-way concurrency: the Lua reservation against a naive check-then-increment
 *    (GET, compare, INCRBY: the per-request pattern LiteLLM uses), same redis-server, same load;
 *  - with Debian's wrk installed, the same servers under wrk (bench/enforcer-wrk.ts): the most decisions/s at a few
 *    connection counts and latency paced near 1,000 and 5,000/s; without it those rows are skipped.
 */
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]

/**
 * Cores: the load generator gets the last core to itself, the servers under test (the do-nothing reference, the
 * enforcer, redis-server) share the others, so the generator's CPU no longer competes with what it measures.
 * BENCH_ENFORCER_PIN=0 turns it off (or when taskset is missing / one core).
 */
const CORES = cpus().length
const PIN = process.env.BENCH_ENFORCER_PIN !== '0' && CORES >= 2 && spawnSync('taskset', ['-V']).status === 0
const GEN_CPU = String(CORES - 1)
const SUT_CPUS = CORES > 2 ? `0-${CORES - 2}` : '0'
export const pinned = (cmd: string, args: string[], cpuList: string): [string, string[]] => (PIN ? ['taskset', ['-c', cpuList, cmd, ...args]] : [cmd, args])
/**
 * BENCH_ENFORCER_REDIS_CPU=own pins redis-server to the generator's core instead, the nearest this 2-core machine
 * comes to Redis on its own core or host (the deployment docs/enforcer.md describes); default: beside the enforcer.
 */
const REDIS_OWN = process.env.BENCH_ENFORCER_REDIS_CPU === 'own'
const REDIS_CPUS = REDIS_OWN ? GEN_CPU : SUT_CPUS
export const pinNote = () =>
  PIN
    ? `generator pinned to cpu ${GEN_CPU}, servers under test to cpu ${SUT_CPUS}, redis-server to cpu ${REDIS_CPUS}${REDIS_OWN ? ' (beside the generator)' : ''}`
    : 'no pinning'

/** One open-loop run of bench/load-gen.ts in its own (pinned) process: latency from each request's due time. */
const INSTALLS = 2000
async function load(port: number, path: string, rate: number, seconds: number): Promise<LoadResult> {
  const spec: LoadSpec = { port, path, rate, seconds, connections: 64, installs: INSTALLS }
  const [cmd, args] = pinned(process.execPath, ['--import', 'tsx', join(__dirname, 'load-gen.ts'), JSON.stringify(spec)], GEN_CPU)
  const child = spawn(cmd, args, { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  if (code !== 0) throw new Error(`load generator exited ${code}: ${err.slice(-500)}`)
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult
}

type AllowanceStats = { local: number; remote: number; grants: number }
type Health = { allowances?: AllowanceStats | null; gc: GcStats }
const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Health
/** The enforcer's GC pauses between two /health reads: what its decisions waited for besides their own work. */
const gcNote = (a: GcStats, b: GcStats) => {
  const d = (k: 'minor' | 'major') => ({ n: b[k].count - a[k].count, ms: b[k].ms - a[k].ms, slow: b[k].slow - a[k].slow })
  const [mi, ma] = [d('minor'), d('major')]
  return `${mi.n} scavenges, ${fmt(mi.ms, 0)} ms (${mi.slow} ≥ 2 ms); ${ma.n} mark-compact pauses and steps, ${fmt(ma.ms, 0)} ms (${ma.slow} ≥ 2 ms)`
}

async function policyServer(ring: KeyRing, rules: Rule[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/api/policy/jwks') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ring.jwks()))
    if (req.url?.startsWith('/api/policy/snapshot?since=')) return void res.writeHead(304, { 'x-policy-version': '1' }).end()
    if (req.url === '/api/policy/snapshot') {
      return void ring
        .sign({ kind: 'snapshot', version: 1, issuedAt: Date.now(), rules })
        .then((jws) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 1, kind: 'snapshot', kid: ring.activeKid, jws })),
        )
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function startEnforcerProcess(env: Record<string, string>, extraArgs: string[] = []): Promise<{ url: string; port: number; child: ChildProcess }> {
  const port = await freePort()
  const [cmd, args] = pinned(process.execPath, [...extraArgs, '--import', 'tsx', 'enforcer/main.ts'], SUT_CPUS)
  const child = spawn(cmd, args, {
    cwd: join(__dirname, '..'),
    stdio: 'ignore',
    env: { ...process.env, ...env, ENFORCER_PORT: String(port), ENFORCER_KAFKA: '0' },
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor('the enforcer', async () => (await fetch(`${url}/health`)).status === 200, 30_000)
  return { url, port, child }
}

/** CPU time a process has used so far (user + system), ms: robust to a busy machine where latency is not. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime + stime, in USER_HZ (100 on Linux)
}

const stopChild = (c: ChildProcess) =>
  new Promise((r) => {
    c.once('exit', r)
    c.kill('SIGTERM')
  })

/** The decision itself, no HTTP: Decider.decide with in-memory quotas, against the reference PolicyEnforcer.admit on the same policy. */
async function inProcess(rules: Rule[], n: number): Promise<{ ours: number[]; ref: number[] }> {
  const enforcer = new PolicyEnforcer()
  enforcer.applySnapshot({ version: 1, rules })
  const decider = new Decider({
    enforcer,
    quotas: new MemoryQuotaStore(),
    prices: defaultPriceBook,
    freshness: () => ({ ready: true, stale: false }),
    failMode: 'closed',
    defaultMaxOutput: 512,
    leaseMs: 60_000,
    streamLeaseMs: 30_000,
  })
  const ours: number[] = []
  const ref: number[] = []
  for (let i = 0; i < n; i++) {
    const installId = `i-${i % 2000}`
    let t = performance.now()
    await decider.decide({
      installId,
      tenantId: 't1',
      feature: 'chat',
      model: 'gpt-4o-mini',
      contextTokens: 300,
      maxOutput: null,
      stream: false,
      risky: false,
      requestId: `r-${i}`,
      app: null,
    })
    ours.push(performance.now() - t)
    t = performance.now()
    enforcer.admit({ installId, tenantId: 't1', feature: 'chat', contextTokens: 300, stream: false, nowMs: Date.now() })
    ref.push(performance.now() - t)
  }
  return { ours: ours.sort((a, b) => a - b), ref: ref.sort((a, b) => a - b) }
}

export async function benchEnforcer(opts: { seconds?: number } = {}) {
  const seconds = opts.seconds ?? 5
  const ring = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-bench-enf-')), graceHours: 1 })
  const rules: Rule[] = [
    {
      key: 'global:*',
      scope: 'global',
      subject: '*',
      controls: { maxOutputTokens: 512, tokensPerMinute: 1_000_000_000 },
      until: null,
      reason: 'bench',
      author: 'bench',
      version: 1,
      updatedAt: 0,
    },
    {
      key: 'install:revoked',
      scope: 'install',
      subject: 'revoked',
      controls: { revoked: true },
      until: null,
      reason: 'bench',
      author: 'bench',
      version: 1,
      updatedAt: 0,
    },
  ]
  const policy = await policyServer(ring, rules)
  const redis = await startRedis()
  // The floor runs in its own process on the same cores as the enforcer: node's HTTP server answering at once.
  const floorPort = await freePort()
  const floorJs = `require('http').createServer((q, s) => { q.resume(); s.writeHead(200, { 'x-burnrate-status': '200', 'content-type': 'application/json', 'content-length': '16' }).end('{"allowed":true}') }).listen(${floorPort}, '127.0.0.1')`
  const [floorCmd, floorArgs] = pinned(process.execPath, ['-e', floorJs], SUT_CPUS)
  const floor = spawn(floorCmd, floorArgs, { stdio: 'ignore' })
  const floorUrl = `http://127.0.0.1:${floorPort}/v1/decide`
  await waitFor('the floor server', async () => (await fetch(floorUrl)).status === 200, 10_000)
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', REDIS_CPUS, String(redis.pid)])
  const rows: Record<string, unknown>[] = []
  const ip = await inProcess(rules, 100_000)
  const us = (v: number) => `${fmt(v * 1000, 1)} µs`
  rows.push({
    metric: 'one decision in process (policy resolve + reservation, in-memory quotas), 100,000 decisions',
    ours: `p50 ${us(quantile(ip.ours, 0.5))}, p99 ${us(quantile(ip.ours, 0.99))}`,
    reference: `reference PolicyEnforcer.admit: p50 ${us(quantile(ip.ref, 0.5))}, p99 ${us(quantile(ip.ref, 0.99))}`,
    ratio: `p99 ${fmt(quantile(ip.ours, 0.99) / quantile(ip.ref, 0.99), 2)}`,
    target: '',
  })
  try {
    const profileDir = process.env.BENCH_ENFORCER_CPU_PROF
    // Redis as shipped (allowances: most decisions admitted locally) and with a round trip per decision (allowances off).
    const stores = {
      memory: {},
      'redis, allowances': { REDIS_URL: redis.url },
      'redis, a round trip per decision': { REDIS_URL: redis.url, ENFORCER_ALLOWANCE_REQUESTS: '0' },
    }
    for (const [store, env] of Object.entries(stores)) {
      const e = await startEnforcerProcess(
        { ENFORCER_POLICY_URL: policy.url, ...env },
        profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, store.replace(/\W+/g, '-'))}`] : [],
      )
      try {
        await load(e.port, '/v1/decide', 1_000, 2) // warm-up: JIT, connections
        await load(floorPort, '/v1/decide', 1_000, 1)
        for (const rate of [1_000, 5_000]) {
          let cpu0 = cpuMs(floor.pid!)
          const ref = await load(floorPort, '/v1/decide', rate, seconds)
          const refCpuUs = ((cpuMs(floor.pid!) - cpu0) * 1000) / ref.sent
          // Warmed at the rate itself, long enough for every install to call 3 times, so the run measures the steady
          // state (with allowances: the installs hold theirs).
          await load(e.port, '/v1/decide', rate, Math.max(2, Math.ceil((3 * INSTALLS) / rate)))
          const h0 = await health(e.url)
          const held0 = h0.allowances ?? null
          const ticks = cpuTicks()
          cpu0 = cpuMs(e.child.pid!)
          const redisCpu0 = cpuMs(redis.pid)
          const ours = await load(e.port, '/v1/decide', rate, seconds)
          const redisCpuUs = ((cpuMs(redis.pid) - redisCpu0) * 1000) / ours.sent
          const h1 = await health(e.url)
          const held1 = h1.allowances ?? null
          const gc = gcNote(h0.gc, h1.gc)
          if (held0 && held1) {
            const [local, remote, grants] = [held1.local - held0.local, held1.remote - held0.remote, held1.grants - held0.grants]
            console.log(`enforcer (${store}) @ ${rate}/s: ${local} admitted locally, ${remote} sent to Redis, ${grants} grants`)
            rows.push({
              metric: `decisions admitted from allowances without a round trip, quotas in ${store}, ${fmt(rate)}/s over ${fmt(INSTALLS)} installs`,
              ours: `${fmt((local / Math.max(1, local + remote)) * 100, 1)} % (${fmt(local)} local, ${fmt(remote)} to Redis, ${fmt(grants)} grants)`,
              reference: '',
              ratio: '',
              target: '',
            })
          }
          const oursCpuUs = ((cpuMs(e.child.pid!) - cpu0) * 1000) / ours.sent
          const machine = `${machineNote(machineShare(ticks))}, load ${loadavg()[0].toFixed(1)}; ${pinNote()}`
          const ms = (r: LoadResult) => `p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, p99.9 ${fmt(r.p999, 2)} ms`
          console.log(
            `enforcer (${store}) @ ${rate}/s: ${ms(ours)} (achieved ${fmt(ours.achieved)}/s, ${ours.errors} errors, send lag p99 ${fmt(ours.sendLagP99, 3)} ms; GC ${gc}); floor ${ms(ref)} (send lag p99 ${fmt(ref.sendLagP99, 3)} ms); ${machine}`,
          )
          rows.push({
            metric: `decision latency over HTTP, quotas in ${store}, ${fmt(rate)} decisions/s offered (${fmt(ours.achieved)}/s achieved, ${ours.errors} errors; from due time; ${machine})`,
            ours: ms(ours),
            reference: `do-nothing node HTTP server: ${ms(ref)}`,
            ratio: `p50 ${fmt(ours.p50 / ref.p50, 2)}, p99 ${fmt(ours.p99 / ref.p99, 2)}`,
            target: 'p99 ≤ 2 ms at 5,000/s',
          })
          rows.push({
            metric: `CPU per decision in the enforcer process, quotas in ${store}, at ${fmt(rate)}/s offered (robust to machine load; redis-server's beside it)`,
            ours: `${fmt(oursCpuUs, 0)} µs (one core: ~${fmt(1e6 / oursCpuUs)} decisions/s)${store === 'memory' ? '' : `; redis-server ${fmt(redisCpuUs, 1)} µs`}; GC in the run: ${gc}`,
            reference: `do-nothing node HTTP server: ${fmt(refCpuUs, 0)} µs`,
            ratio: fmt(oursCpuUs / refCpuUs, 2),
            target: '',
          })
        }
        if (hasWrk()) rows.push(...(await wrkRows(store, { ours: e.port, reference: floorPort }, (c, a) => pinned(c, a, GEN_CPU), console.log)))
        else if (store === 'memory') console.log('wrk not installed (apt-get install -y wrk): only the node generator measured')
      } finally {
        await stopChild(e.child)
      }
    }
    const client = await redisClientCosts()
    const cost = (label: string, batch = 1) => client.find((c) => c.label.startsWith(label) && c.batch === batch)?.cpuUs ?? NaN
    rows.push({
      metric:
        'client CPU per Redis call, one in flight (a decision reaching the enforcer alone): reserve script over ioredis, auto-pipelining off (as shipped) vs on; 20,000 calls',
      ours: `${fmt(cost('reserve (EVALSHA), ioredis, auto-pipelining off'), 1)} µs (on: ${fmt(cost('reserve (EVALSHA), ioredis, auto-pipelining on'), 1)} µs)`,
      reference: `PING on a bare socket, no client library: TCP ${fmt(cost('PING, bare socket (no client), TCP'), 1)} µs, unix socket ${fmt(cost('PING, bare socket (no client), unix'), 1)} µs`,
      ratio: fmt(cost('reserve (EVALSHA), ioredis, auto-pipelining off') / cost('PING, bare socket (no client), TCP'), 2),
      target: '',
    })
    const stats = new Redis(redis.url)
    await stats.config('RESETSTAT')
    const o = await overshoot(redis.url, 29_000, 300, 20)
    const info = await stats.info('commandstats')
    const usec = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:.*usec_per_call=([\\d.]+)`).exec(info)?.[1] ?? NaN)
    const [script, get, incrby] = [usec('evalsha'), usec('get'), usec('incrby')]
    stats.disconnect()
    console.log(`overshoot: ours ${o.ours} tokens, naive ${o.naive} tokens; redis-server µs per call: script ${script}, get ${get}, incrby ${incrby}`)
    rows.push({
      metric: 'redis-server time per call in the overshoot run (INFO commandstats usec_per_call): one reservation or settlement script (one EVALSHA)',
      ours: `${fmt(script, 1)} µs`,
      reference: `naive GET + INCRBY: ${fmt(get, 1)} + ${fmt(incrby, 1)} µs`,
      ratio: fmt(script / (get + incrby), 1),
      target: '',
    })
    rows.push({
      metric: 'quota overshoot, 20 concurrent requesters on two clients, 29,000-token quota, 300-token worst case used in full, 5-15 ms calls',
      ours: `${o.ours > 0 ? '+' : ''}${fmt(o.ours)} tokens (Lua reservation)`,
      reference: `naive check-then-increment: +${fmt(o.naive)} tokens`,
      ratio: `${fmt(Math.max(0, o.ours))} vs ${fmt(o.naive)}`,
      target: '≤ one worst case (300)',
    })
  } finally {
    await stopChild(floor)
    policy.server.close()
    await redis.stop()
  }
  return { rows }
}
