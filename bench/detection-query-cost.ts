import { readdirSync, readFileSync } from 'node:fs'
import type { Store } from '../lib/clickhouse/client'

/** CPU and wall time of the engine's queries, by query, summed until taken. */
export interface QueryCost {
  cpuMs: number
  wallMs: number
  calls: number
}

/**
 * Wraps `store.client.query` so that each query's process CPU (from the call until its result is in hand:
 * the engine's threads, with embedded chDB, plus the client's copy of the result) is added to its query's total,
 * named by its first tables and columns. Detectors run one after the other (detect-all.ts), so the process CPU
 * during a query is the query's. Decoding the result (rs.json()) is the caller's and not counted here.
 * `extraSettings` go on every query (an experiment, such as max_threads).
 */
export function costQueries(store: Store, extraSettings: Record<string, string | number> = {}): () => Map<string, QueryCost> {
  const totals = new Map<string, QueryCost>()
  const query = store.client.query.bind(store.client)
  store.client.query = (async (params: Parameters<typeof query>[0]) => {
    const name = nameOf(params.query)
    const cpu0 = process.cpuUsage()
    const wall0 = performance.now()
    try {
      return await query({ ...params, clickhouse_settings: { ...params.clickhouse_settings, ...extraSettings } })
    } finally {
      const cpu = process.cpuUsage(cpu0)
      const t = totals.get(name) ?? { cpuMs: 0, wallMs: 0, calls: 0 }
      t.cpuMs += (cpu.user + cpu.system) / 1000
      t.wallMs += performance.now() - wall0
      t.calls++
      totals.set(name, t)
    }
  }) as typeof store.client.query
  return () => {
    const out = new Map(totals)
    totals.clear()
    return out
  }
}

/** A query's name: the tables it reads and its first selected expressions, whitespace folded. */
function nameOf(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim()
  const tables = [...new Set([...flat.matchAll(/FROM [\w]+\.(\w+)/g)].map((m) => m[1]))].join(',')
  return `${tables}: ${flat.replace(/^WITH .*?\) SELECT/, 'WITH … SELECT').slice(0, 90)}`
}

/**
 * CPU ms of this process's threads by thread name (Linux /proc; empty elsewhere): which threads the process CPU
 * of the detection runs went to (the JS thread, V8's collector helpers, the engine's query and background pools).
 */
export function threadCpu(): Map<string, number> {
  const out = new Map<string, number>()
  const tick = 1000 / 100 // USER_HZ
  let tasks: string[] = []
  try {
    tasks = readdirSync('/proc/self/task')
  } catch {
    return out
  }
  for (const t of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[\d]+$/, '#')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * tick)
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out
}
