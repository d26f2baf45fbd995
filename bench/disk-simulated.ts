/**
 * Disk bytes per stored event on the simulator's traffic, next to the bench
 * corpus. The corpus draws token counts and durations uniformly at random
 * (fast to generate, but incompressible by construction); the simulator draws
 * them the way the gateway's traffic looks (lognormal sizes per feature,
 * per-install habits, diurnal load), so its bytes per event are closer to what
 * a deployment stores. Both go through the production sink in 25,000-event
 * batches into a fresh store and are measured after OPTIMIZE FINAL.
 * Run alone: npx tsx bench/disk-simulated.ts [events]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '../lib/clickhouse/client'
import { migrate } from '../lib/clickhouse/migrate'
import { GatewaySimulator, SCENARIO_NAMES } from '../lib/simulator'
import { corpus } from './corpus'
import { fmt } from './stats'
import { writeThroughSink } from './through-sink'
import { openEmbeddedStore } from './bench-store'

async function bytesPerEvent(values: Iterable<Buffer>, log: (l: string) => void, name: string): Promise<{ rows: number; events: number; all: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-disk-'))
  const store: Store = await openEmbeddedStore(dir, 'disk')
  try {
    await migrate(store, { retentionDays: 30 })
    await writeThroughSink(store, values, {
      topic: name,
      onProgress: (n) => {
        if (n % 100_000 === 0) log(`${name}: stored ${fmt(n)} events`)
      },
    })
    await store.client.command({ query: 'OPTIMIZE TABLE disk.events FINAL', clickhouse_settings: { optimize_throw_if_noop: 0 } })
    const rs = await store.client.query({
      query: `SELECT (SELECT count() FROM disk.events) AS n, sumIf(data_compressed_bytes, table = 'events') AS ev, sum(data_compressed_bytes) AS all
        FROM system.parts WHERE database = 'disk' AND active AND table != 'dead_letters'`,
      format: 'JSONEachRow',
    })
    const [r] = await rs.json<{ n: string; ev: string; all: string }>()
    const rows = Number(r.n)
    return { rows, events: Number(r.ev) / rows, all: Number(r.all) / rows }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function* simulated(count: number): Generator<Buffer> {
  // 5,000 installs at 200 events/s: 400k events are ~33 minutes of traffic, ~80 events per install, all attacks on
  // as in the demo. Backdated so every event is in the past and inside the ingest's accepted age.
  const start = Date.now() - 6 * 3_600_000
  const sim = new GatewaySimulator({ seed: 7, installs: 5_000, ratePerSec: 200, scenarios: [...SCENARIO_NAMES], startMs: start })
  let n = 0
  for (let t = start; n < count; t += 10_000) {
    for (const e of sim.generate(t, t + 10_000)) {
      if (n++ >= count) return
      yield Buffer.from(JSON.stringify(e))
    }
  }
}

export async function benchDiskSimulated(arg: { events?: number; log?: (l: string) => void } = {}) {
  const events = arg.events ?? 400_000
  const log = arg.log ?? console.log
  const sim = await bytesPerEvent(simulated(events), log, 'simulator')
  const ref = await bytesPerEvent(
    (function* () {
      for (const r of corpus({ count: events, tag: 'disk' })) yield r.value
    })(),
    log,
    'corpus',
  )
  return {
    rows: [
      {
        metric: `compressed bytes per stored event (events table), ${fmt(sim.rows)} simulator events (all scenarios) through the sink`,
        ours: `${fmt(sim.events, 1)} B (all tables ${fmt(sim.all, 1)} B)`,
        reference: `bench corpus (uniform random sizes): ${fmt(ref.events, 1)} B (all tables ${fmt(ref.all, 1)} B)`,
        ratio: fmt(sim.events / ref.events, 2),
        target: '< 25 B',
      },
    ],
  }
}

if (process.argv[1]?.endsWith('disk-simulated.ts')) {
  benchDiskSimulated({ events: Number(process.argv[2] ?? 400_000) })
    .then((r) => {
      console.log(JSON.stringify(r, null, 2))
      process.exit(0)
    })
    .catch((e) => {
      console.error(e)
      process.exit(1)
    })
}
