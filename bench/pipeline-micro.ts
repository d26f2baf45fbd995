/**
 * prepareBatch and the insert body in isolation (no Kafka, no ClickHouse):
 * CPU cost per event of decode → validate → price → row, and of encoding the
 * rows (JSONEachRow for a ClickHouse server, Native for chDB). Every stage is reported in events/s and as a ratio to plain
 * JSON.parse of the same messages measured in the same repetition, which is
 * what stays comparable on a shared, noisy machine.
 * Run: npx tsx bench/pipeline-micro.ts [events] [reps]
 */
import { prepareBatch, type PrepareDeps, type PreparedBatch } from '../lib/ingest/prepare'
import { RecentIds } from '../lib/ingest/recent-ids'
import { encodeNativeBlock } from '../lib/ingest/native-block'
import type { SourceMessage } from '../lib/ingest/types'
import { defaultPriceBook } from '../lib/pricing/cost'
import { corpusArray } from './corpus'
import { fmt, fmtSummary, pairedRatios, summarize, type Summary } from './stats'

export interface MicroStage {
  name: string
  perSec: Summary
  vsParse: Summary
}
export interface MicroResult {
  events: number
  bytesPerEvent: number
  stages: MicroStage[]
}

const deps = (): PrepareDeps => ({
  limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 },
  prices: defaultPriceBook,
  recentIds: new RecentIds(),
})

export async function benchPipelineMicro(events = 100_000, reps = 5, batchRows = 20_000): Promise<MicroResult> {
  const records = corpusArray({ count: events, tag: 'micro' })
  const messages: SourceMessage[] = records.map((r, offset) => ({ topic: 't', partition: 0, offset, key: r.key, value: r.value }))
  const chunks: SourceMessage[][] = []
  for (let i = 0; i < messages.length; i += batchRows) chunks.push(messages.slice(i, i + batchRows))
  let batches: PreparedBatch[] = []
  const stages: [string, () => unknown][] = [
    [
      'JSON.parse (reference)',
      () => {
        for (const m of messages) JSON.parse(m.value!.toString('utf8'))
      },
    ],
    [
      'prepareBatch',
      () => {
        const d = deps()
        batches = chunks.map((c) => prepareBatch(c, d))
      },
    ],
    ['encode JSONEachRow', () => batches.map((b) => b.rows.map((r) => JSON.stringify(r)).join('\n'))],
    ['encode Native', () => batches.map((b) => encodeNativeBlock(b.rows))],
  ]
  const times = new Map<string, number[]>(stages.map(([n]) => [n, []]))
  for (let rep = 0; rep <= reps; rep++) {
    for (const [name, fn] of stages) {
      const t = performance.now()
      fn()
      const perSec = events / ((performance.now() - t) / 1000)
      if (rep > 0) times.get(name)!.push(perSec) // rep 0 warms the JIT and the price memo
    }
    if (batches.reduce((s, b) => s + b.rows.length, 0) !== events) throw new Error('micro bench: not every event became a row')
  }
  const parse = times.get(stages[0][0])!
  const prep = times.get('prepareBatch')!
  const native = times.get('encode Native')!
  times.set(
    'prepareBatch + encode',
    prep.map((p, i) => 1 / (1 / p + 1 / native[i])),
  )
  return {
    events,
    bytesPerEvent: records.reduce((s, r) => s + r.value.length, 0) / events,
    stages: [...times].map(([name, v]) => ({ name, perSec: summarize(v), vsParse: pairedRatios(v, parse) })),
  }
}

export function printMicro(r: MicroResult, log = console.log) {
  log(`pipeline micro-benchmark: ${r.events} events of ${r.bytesPerEvent.toFixed(0)} B, one thread`)
  for (const s of r.stages)
    log(`  ${s.name.padEnd(24)} ${fmtSummary(s.perSec, 0, ' ev/s').padEnd(28)} ×${fmt(s.vsParse.median, 3)} of JSON.parse ±${fmt(s.vsParse.spreadPct)}%`)
}

if (process.argv[1]?.endsWith('pipeline-micro.ts')) {
  benchPipelineMicro(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 5)).then((r) => printMicro(r))
}
