/** Writes docs/benchmarks.md from one `npm run bench` run. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, loadavg } from 'node:os'
import { INGEST_ANALYSIS } from './analysis'

export interface ReportRow {
  section: string
  metric: string
  ours: string
  reference: string
  ratio: string
  target: string
}

export interface Report {
  startedAt: Date
  finishedAt: Date
  command: string
  rows: ReportRow[]
  /** Where the time goes, measured: profile notes, micro-benchmark lines. */
  timeNotes: string[]
  notes: string[]
}

export function machine(): string {
  const c = cpus()
  return `${c.length} × ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`
}

export function table(rows: ReportRow[]): string {
  const head = ['section', 'metric', 'Burnrate', 'reference', 'ratio', 'target']
  const cells = rows.map((r) => [r.section, r.metric, r.ours, r.reference, r.ratio, r.target])
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...cells.map((c) => `| ${c.join(' | ')} |`)].join('\n')
}

/** Plain-text table for the terminal. */
export function textTable(rows: ReportRow[]): string {
  const cells = [
    ['section', 'metric', 'Burnrate', 'reference', 'ratio', 'target'],
    ...rows.map((r) => [r.section, r.metric, r.ours, r.reference, r.ratio, r.target]),
  ]
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)))
  return cells.map((c) => c.map((x, i) => x.padEnd(widths[i])).join('  ')).join('\n')
}

const METHOD = `## Method

- **Everything runs on one machine** against a real single-node Kafka 4 broker (\`scripts/kafka/start.sh bench\`, KRaft, loopback) and embedded chDB.
  The machine is shared, so absolute numbers move with its load; every figure that matters is reported as a **ratio against a reference
  measured in the same run**, and every figure carries its spread over repeated runs: \`median ±x% (n=runs)\`, where x is half the
  min–max range relative to the median.
- **Ingest throughput.** For each partition count P the bench produces the same corpus (realistic gateway events, ≈570 B of JSON,
  keyed by install id) to a topic with P partitions. Then, alternating so both see the same load, it runs
  (a) \`npm run ingest\` (\`cli/ingest.ts\`, unchanged production path: validation, pricing, dead letters, intents, dedup tokens,
  commit after insert, rows sent to chDB as Native blocks on two insert connections, default batch size) and (b) **the reference**: chDB's own Kafka table engine (\`ENGINE = Kafka\`, \`kafka_num_consumers = P\`,
  JSONEachRow) and a materialized view into the same \`events\` table with the same rollup views, pricing from the same catalog but
  without validation, dead-lettering or deduplication. Each run gets a fresh store and consumer group and starts from offset 0.
  Both are timed the same way from outside: the clock starts when the consumer group is Stable with all its members (both
  processes have started, migrated and joined; nothing was consumed before) and stops when all offsets are committed, polled
  every 100 ms. The ratio is computed per repetition (ours / reference of the same
  repetition) and then summarized. With chDB one process owns the data directory, so "P consumers" means P partitions consumed
  concurrently in one process on both sides. Each timed run also records how the machine's CPU time was spent over its
  interval (\`/proc/stat\`): **steal**, time the hypervisor gave to other guests, has moved rates by up to 2× between
  back-to-back runs here, so the report lists it per run.
- **Producer**: \`npm run simulate\` (\`cli/simulate.ts --no-realtime\`, default producer threads, 4 partitions,
  acks=1, no compression) run as a child process, its rate timed by itself from the first generated event to the last
  acknowledged one. Two references produce the same keyed records (the simulator's first 100k events, serialized before
  the clock starts) to a fresh 4-partition topic in the same repetition: Kafka's Java client (\`bench/ProducerReference.java\`,
  batch.size 256 KiB, linger 5 ms, acks=1: what this broker takes on this machine) and one plain kafkajs producer on one
  thread (sends of 1,000, 2 in flight, acks=1). The three alternate run by run; ratios are per repetition.
  **Simulator generation**: events/s of \`GatewaySimulator.generate\` (CPU only). The ingest input topics are filled by
  kafkajs from \`bench/corpus.ts\` (acks=all, ≤0.7 MB requests, 8 in flight).
- **Memory**: peak RSS (VmHWM/VmRSS from /proc), split into anonymous and file-backed (RssAnon/RssFile), of the ingest process
  during the throughput runs, with the Kafka engine process of the same repetitions as reference, and during a sustained run where
  this process produces fresh events continuously while \`cli/ingest.ts\` consumes them; "flat" compares the peak of the second half
  with the peak of the first half (after a 10 s start-up).
- **Store ceiling** (\`bench/insert-ceiling.ts\`): 200k corpus events go through the sink into a fresh store once, are copied
  into Memory tables of 65,536 and of 25,000 rows, and are then inserted again table by table with \`INSERT … SELECT\` (the sink's
  settings, no dedup token) into \`events\` with its views, and into a copy of \`events\` that feeds no view, with every
  MergeTree table emptied before each step. CPU per row is the process's user + system time over the step (chDB runs in the
  process, so its insert, view and merge threads count); cores ÷ CPU per row is the rate no consumer can pass here. 3 repetitions
  after a warm-up.
- **Disk**: \`system.parts\` compressed bytes of the \`events\` table after \`OPTIMIZE FINAL\`, per stored row; "all" adds the rollups and
  the intent table. The \`ingest\` section measures the store its first run wrote (bench corpus); the \`disk\` section
  (\`bench/disk-simulated.ts\`) sends 400k simulator events (5,000 installs at 200 events/s, every scenario on) and 400k corpus
  events through the sink in 25,000-event batches, each into a fresh store. The corpus draws sizes uniformly at random, which
  no compression can shrink; the simulator draws them the way the traffic looks.
- **Micro-benchmark** (\`bench/pipeline-micro.ts\`): prepareBatch and the insert body encoders on one thread, each as a ratio of plain
  \`JSON.parse\` of the same messages in the same repetition.
`

export function writeReport(path: string, r: Report) {
  const md = `# Benchmarks

Generated by \`${r.command}\` on ${r.startedAt.toISOString()} (took ${((r.finishedAt.getTime() - r.startedAt.getTime()) / 60000).toFixed(1)} min).

Machine: ${machine()}.

${table(r.rows)}

## Where the time goes

${r.timeNotes.map((n) => `- ${n}`).join('\n')}

${INGEST_ANALYSIS}

${r.notes.length ? `## Notes\n\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
${METHOD}${keptSeparateRuns(path)}`
  writeFileSync(path, md)
}

/** Marks the start of results from runs too long for the regular bench; regenerating the report keeps them. */
export const SEPARATE_RUNS_MARKER = '<!-- separate runs: kept when this report is regenerated -->'

function keptSeparateRuns(path: string): string {
  if (!existsSync(path)) return ''
  const old = readFileSync(path, 'utf8')
  const at = old.indexOf(SEPARATE_RUNS_MARKER)
  return at < 0 ? '' : `\n${old.slice(at)}`
}
