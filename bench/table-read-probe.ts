/**
 * What one table read costs in chDB (issue 17): the 7 d KPIs' tier reads timed alone, interleaved round by round, with
 * and without the sketch column, on a store the long-range bench left. A read that finds a few rows costs ~4–5 ms
 * over `SELECT 1` (~3 ms); deserialising a granule of all-tenant sketches (256 minute rows) adds ~3 ms.
 *
 *   npx tsx bench/table-read-probe.ts <dataDir> <database> <endMs> [rounds]   (PROBE_SETTINGS='{"max_threads":1}' to try settings)
 */
import { loadavg } from 'node:os'
import { tiers } from '../lib/queries/usage-tiers'
import { resolveRange } from '../lib/time-range'
import { openEmbeddedStore } from './bench-store'

const [dataDir, database, endMs, roundsArg] = process.argv.slice(2)
const at = (p: string) => `toDateTime({${p}:UInt32}, 'UTC')`

async function main() {
  const store = await openEmbeddedStore(dataDir, database)
  const db = database
  const r = resolveRange({ range: '7d' }, Number(endMs))
  const cut = tiers(r, 'day', ['quarter', 'day'])
  const p = { ...cut, last: Math.floor(r.toMs / 60_000 - 1) * 60 }
  const settings = process.env.PROBE_SETTINGS ? JSON.parse(process.env.PROBE_SETTINGS) : undefined
  const q = async (sql: string) => (await store.client.query({ query: sql, query_params: p, format: 'JSONEachRow', clickhouse_settings: settings })).json()
  const mw = `dim = '' AND ((minute >= ${at('from')} AND minute < ${at('hourFrom')}) OR (minute >= ${at('hourTo')} AND minute < ${at('to')}))`
  const hw = `dim = '' AND hour >= ${at('hourFrom')} AND hour < ${at('hourTo')}`
  const one = `dim = '' AND minute = ${at('last')}`
  const cases: [string, string][] = [
    ['SELECT 1', 'SELECT 1'],
    ['minute edges count()', `SELECT count() FROM ${db}.installs_all_minute WHERE ${mw}`],
    ['minute edges merge', `SELECT uniqCombinedMerge(14)(installs) FROM ${db}.installs_all_minute WHERE ${mw}`],
    ['one minute merge', `SELECT uniqCombinedMerge(14)(installs) FROM ${db}.installs_all_minute WHERE ${one}`],
    ['hours count()', `SELECT count() FROM ${db}.installs_all_hour WHERE ${hw}`],
    ['hours merge', `SELECT uniqCombinedMerge(14)(installs) FROM ${db}.installs_all_hour WHERE ${hw}`],
    [
      'hours merge (2 granule rows)',
      `SELECT uniqCombinedMerge(14)(installs) FROM ${db}.installs_all_hour WHERE dim = '' AND hour >= ${at('hourTo')} - INTERVAL 2 HOUR AND hour < ${at('hourTo')}`,
    ],
    [
      'minute edges + hours merge',
      `SELECT uniqCombinedMerge(14)(installs) FROM (SELECT installs FROM ${db}.installs_all_minute WHERE ${mw} UNION ALL SELECT installs FROM ${db}.installs_all_hour WHERE ${hw})`,
    ],
    [
      'minute edges sums count()',
      `SELECT count() FROM ${db}.usage_minute WHERE (minute >= ${at('from')} AND minute < ${at('hourFrom')}) OR (minute >= ${at('hourTo')} AND minute < ${at('to')})`,
    ],
    [
      'minute edges sums 10 cols',
      `SELECT sum(cost_micros), sum(requests), sum(streams), sum(prompt_tokens), sum(completion_tokens), sum(attest_accepted), sum(attest_rejected), sum(stream_ms), sum(policy_denials), sum(upstream_errors) FROM ${db}.usage_minute WHERE (minute >= ${at('from')} AND minute < ${at('hourFrom')}) OR (minute >= ${at('hourTo')} AND minute < ${at('to')})`,
    ],
    [
      'hours sums 10 cols',
      `SELECT sum(cost_micros), sum(requests), sum(streams), sum(prompt_tokens), sum(completion_tokens), sum(attest_accepted), sum(attest_rejected), sum(stream_ms), sum(policy_denials), sum(upstream_errors) FROM ${db}.usage_hour WHERE hour >= ${at('hourFrom')} AND hour < ${at('hourTo')}`,
    ],
  ]
  for (const [n, s] of cases) console.log(n, JSON.stringify(await q(s)))
  const times: number[][] = cases.map(() => [])
  for (let w = 0; w < 2; w++) for (const [, s] of cases) await q(s)
  for (let k = 0; k < Number(roundsArg ?? 30); k++)
    for (let i = 0; i < cases.length; i++) {
      const t0 = performance.now()
      await q(cases[i][1])
      times[i].push(performance.now() - t0)
    }
  const pct = (a: number[], x: number) => [...a].sort((m, n) => m - n)[Math.max(0, Math.min(a.length - 1, Math.ceil(x * a.length) - 1))].toFixed(1)
  for (let i = 0; i < cases.length; i++)
    console.log(`${cases[i][0].padEnd(30)} p50 ${pct(times[i], 0.5)} p95 ${pct(times[i], 0.95)} min ${pct(times[i], 0)} ms`)
  console.log(
    'load',
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  )
  await store.close()
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
