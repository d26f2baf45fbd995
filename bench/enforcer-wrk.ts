import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * wrk (Debian's `wrk`, a C load generator: `apt-get install -y wrk`) against the decision route, beside the
 * node open-loop generator of bench/load-gen.ts. A C client costs less CPU per request than a node one, so on
 * 2 cores it takes less from the server it measures. Plain wrk is closed loop: `max` runs every connection
 * back to back (the most decisions/s, and latency at that load); `paced` lets each connection wait
 * `connections / rate` s after each answer (wrk's delay() hook), close to a constant rate while the server keeps
 * up. wrk times each request from its send, so a stall delays later sends instead of showing in their latency
 * (coordinated omission): the node generator's figures, from due times, are the ones to judge the target by.
 * Without wrk, benchEnforcer skips these rows and says so.
 */
export const hasWrk = () => spawnSync('wrk', ['--version']).error === undefined

export interface WrkResult {
  connections: number
  requestsPerSec: number
  requests: number
  /** Non-2xx answers plus socket errors. */
  errors: number
  p50: number
  p90: number
  p99: number
}

/** The headers nginx's auth_request sends (bench/load-gen.ts sends the same): 2,000 installs, a new request id each. */
function script(delayMs: number | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'br-wrk-'))
  const path = join(dir, 'decide.lua')
  writeFileSync(
    path,
    `local n = 0
local prefix = tostring(math.random(1e9))
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/decide", {
    ["Host"] = "127.0.0.1",
    ["x-burnrate-install-id"] = "i-" .. (n % 2000),
    ["x-burnrate-tenant"] = "t1",
    ["x-burnrate-feature"] = "chat",
    ["x-burnrate-model"] = "gpt-4o-mini",
    ["x-burnrate-context-tokens"] = "300",
    ["x-request-id"] = "w-" .. prefix .. "-" .. n,
  })
end
${delayMs === null ? '' : `delay = function() return ${delayMs} end\n`}`,
  )
  return path
}

const ms = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1)

export function parseWrk(out: string, connections: number): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out)
    return m ? ms(m[1], m[2]) : NaN
  }
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  return {
    connections,
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    errors: num(/Non-2xx or 3xx responses: (\d+)/) + (sock ? sock.slice(1).reduce((s, v) => s + Number(v), 0) : 0),
    p50: pct('50'),
    p90: pct('90'),
    p99: pct('99'),
  }
}

/** One wrk run (one thread), `wrap` pinning it to the generator's core. */
export async function runWrk(
  port: number,
  o: { connections: number; seconds: number; rate?: number },
  wrap: (cmd: string, args: string[]) => [string, string[]],
): Promise<WrkResult> {
  const delay = o.rate ? Math.round((o.connections * 1000) / o.rate) : null
  const [cmd, args] = wrap('wrk', ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '-s', script(delay), `http://127.0.0.1:${port}/v1/decide`])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  if (code !== 0) throw new Error(`wrk exited ${code}: ${out.slice(-300)}`)
  return parseWrk(out, o.connections)
}

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—')
const lat = (r: WrkResult) => `p50 ${f(r.p50)} ms, p90 ${f(r.p90)} ms, p99 ${f(r.p99)} ms`

/**
 * The wrk rows of one enforcer (quotas in `store`) against the do-nothing reference, each pair measured back to
 * back: the most decisions/s at 4, 16 and 64 connections, then paced near 1,000 and 5,000/s over 50 connections.
 */
export async function wrkRows(
  store: string,
  ports: { ours: number; reference: number },
  wrap: (cmd: string, args: string[]) => [string, string[]],
  log: (line: string) => void,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  for (const connections of [4, 16, 64]) {
    const ref = await runWrk(ports.reference, { connections, seconds: 3 }, wrap)
    const ours = await runWrk(ports.ours, { connections, seconds: 3 }, wrap)
    log(`wrk max, ${store}, ${connections} connections: ${f(ours.requestsPerSec, 0)}/s ${lat(ours)}; reference ${f(ref.requestsPerSec, 0)}/s ${lat(ref)}`)
    rows.push({
      metric: `most decisions/s, quotas in ${store}, wrk closed loop, ${connections} connections, 3 s (${ours.errors} errors)`,
      ours: `${f(ours.requestsPerSec, 0)}/s; ${lat(ours)}`,
      reference: `do-nothing node HTTP server: ${f(ref.requestsPerSec, 0)}/s; ${lat(ref)}`,
      ratio: `throughput ${f(ours.requestsPerSec / ref.requestsPerSec)}, p99 ${f(ours.p99 / ref.p99)}`,
      target: '',
    })
  }
  for (const rate of [1_000, 5_000]) {
    const ref = await runWrk(ports.reference, { connections: 50, seconds: 4, rate }, wrap)
    const ours = await runWrk(ports.ours, { connections: 50, seconds: 4, rate }, wrap)
    log(`wrk paced ${rate}/s, ${store}: ${f(ours.requestsPerSec, 0)}/s ${lat(ours)}; reference ${f(ref.requestsPerSec, 0)}/s ${lat(ref)}`)
    rows.push({
      metric: `decision latency, quotas in ${store}, wrk paced to ~${f(rate, 0)}/s over 50 connections (${f(ours.requestsPerSec, 0)}/s achieved, ${ours.errors} errors; from send, not due time)`,
      ours: lat(ours),
      reference: `do-nothing node HTTP server (${f(ref.requestsPerSec, 0)}/s): ${lat(ref)}`,
      ratio: `p50 ${f(ours.p50 / ref.p50)}, p99 ${f(ours.p99 / ref.p99)}`,
      target: rate === 5_000 ? 'p99 ≤ 2 ms at 5,000/s' : '',
    })
  }
  return rows
}
