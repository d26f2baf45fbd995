/**
 * Where each long-range endpoint's time goes: runs every endpoint of bench/dashboard-long-range.ts once per range on a
 * store a run left, then prints each SQL statement it sent from system.query_log (duration, rows and bytes read,
 * memory, the tables read). For finding which tier or subquery makes an endpoint slow; not part of `npm run bench`.
 *
 *   npx tsx bench/long-range-profile.ts <dataDir> <database> [endpoint substring] [range]
 */
import { openStore } from '../lib/clickhouse/client'
import { budgetSummary } from '../lib/budgets/summary'
import { resolveRange } from '../lib/time-range'
import { CASES } from './dashboard-long-range'

async function main() {
  const [dataDir, database, only = '', onlyRange = ''] = process.argv.slice(2)
  const store = await openStore({
    CLICKHOUSE_URL: undefined,
    CLICKHOUSE_USER: 'default',
    CLICKHOUSE_PASSWORD: '',
    CLICKHOUSE_DATABASE: database,
    CLICKHOUSE_CLUSTER: '',
    DATA_DIR: dataDir,
  })
  const rs = await store.client.query({ query: `SELECT toUnixTimestamp64Milli(max(ts)) + 1 AS e FROM ${database}.events`, format: 'JSONEachRow' })
  const end = Number((await rs.json<{ e: string }>())[0].e)
  const cases = [{ endpoint: '/api/cost/budget', run: () => budgetSummary(store, '', end), once: true }, ...CASES.map((c) => ({ ...c, once: false }))]
  for (const preset of ['24h', '7d', '30d', '90d'] as const) {
    if (onlyRange && preset !== onlyRange) continue
    const r = resolveRange({ range: preset }, end)
    for (const c of cases) {
      if (!c.endpoint.includes(only) || (c.once && preset !== '24h')) continue
      await c.run(store, r) // warm
      await store.client.command({ query: 'SYSTEM FLUSH LOGS' })
      const since = Date.now()
      const t0 = performance.now()
      await c.run(store, r)
      const ms = performance.now() - t0
      await store.client.command({ query: 'SYSTEM FLUSH LOGS' })
      const log = await store.client.query({
        query: `SELECT query_duration_ms AS ms, read_rows, formatReadableSize(read_bytes) AS read, formatReadableSize(memory_usage) AS mem,
            arrayStringConcat(arrayMap(t -> splitByChar('.', t)[2], tables), ',') AS tbl, substring(replaceRegexpAll(query, '\\s+', ' '), 1, 90) AS q
          FROM system.query_log WHERE type = 'QueryFinish' AND event_time_microseconds >= fromUnixTimestamp64Milli({since:Int64}) AND query NOT LIKE '%query_log%' AND query NOT LIKE 'SYSTEM%'
          ORDER BY event_time_microseconds`,
        query_params: { since },
        format: 'JSONEachRow',
      })
      console.log(`${c.endpoint} ${preset}: ${ms.toFixed(0)} ms`)
      for (const row of await log.json<Record<string, unknown>>()) console.log(`   ${JSON.stringify(row)}`)
    }
  }
  await store.close()
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
