/**
 * Issue 17 check (throw-away): the KPIs of another tree (`BASE`, e.g. a worktree of the commit before) and of this
 * tree on one store, for every preset and custom windows, all tenants and each tenant, must be identical. Runs this
 * tree's migrations first and reports how long they took (the backfill of any new rollup).
 *
 *   BASE=/path/to/old/tree npx tsx bench/kpi-identity.ts <dataDir> <database> <endMs>
 */
import { loadavg } from 'node:os'
import { migrate } from '../lib/clickhouse/migrate'
import { overviewKpis } from '../lib/queries/overview-kpis'
import { resolveRange, type RangePreset } from '../lib/time-range'
import { openEmbeddedStore } from './bench-store'

const [dataDir, database, endArg] = process.argv.slice(2)

async function main() {
  const old = (await import(`${process.env.BASE}/lib/queries/overview-kpis.ts`)) as { overviewKpis: typeof overviewKpis }
  const store = await openEmbeddedStore(dataDir, database)
  console.log(
    'load before migrate',
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  )
  const t0 = performance.now()
  const m = await migrate(store, { retentionDays: 92 })
  console.log(
    `migrate: applied ${JSON.stringify(m.applied)} in ${((performance.now() - t0) / 1000).toFixed(1)} s, load`,
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  )
  const end = Number(endArg)
  const tenants = [
    '',
    ...(
      (await (
        await store.client.query({ query: `SELECT DISTINCT tenant_id FROM ${database}.usage_day ORDER BY tenant_id`, format: 'JSONEachRow' })
      ).json()) as { tenant_id: string }[]
    ).map((r) => r.tenant_id),
  ]
  const windows: { range: RangePreset; from?: number; to?: number }[] = [
    ...(['15m', '1h', '24h', '7d', '30d', '90d'] as const).map((range) => ({ range })),
    { range: 'custom', from: end - 8 * 86_400_000 + 17 * 60_000, to: end - 3 * 3_600_000 - 7 * 60_000 },
    { range: 'custom', from: end - 12 * 86_400_000 - 5 * 60_000, to: end - 2 * 86_400_000 },
    { range: 'custom', from: end - 29 * 86_400_000 + 91 * 60_000, to: end - 26 * 60_000 },
  ]
  let same = 0
  const differ: string[] = []
  for (const w of windows)
    for (const tenant of tenants) {
      const r = { ...resolveRange(w, end), tenant }
      let a = JSON.stringify(await old.overviewKpis(store, r))
      let b = JSON.stringify(await overviewKpis(store, r))
      if (a !== b) {
        a = JSON.stringify(await old.overviewKpis(store, r)) // a minute boundary between the two calls moves "right now"
        b = JSON.stringify(await overviewKpis(store, r))
      }
      if (a === b) same++
      else differ.push(`${w.range} ${w.from ?? ''} ${tenant}: ${a} != ${b}`)
    }
  console.log(`identical: ${same} of ${windows.length * tenants.length}`)
  for (const d of differ) console.log('DIFFERS', d)
  await store.close()
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
