/**
 * End-to-end Kafka → ClickHouse throughput of `npm run ingest` (commit after
 * insert, intents, dedup tokens, validation, dead letters) against the Kafka
 * engine reference, on the same topic, same broker, same table schema,
 * alternating runs so both see the same machine load.
 *
 * Rate is measured from outside, identically for both: the clock starts when
 * the consumer group is Stable with all its members (both sides have started,
 * migrated and joined, and nothing is consumed before that) and stops when
 * every offset is committed, polled every 100 ms. Starting at the first commit
 * instead, as this bench once did, flattered whoever commits in bigger blocks:
 * the Kafka engine's first 65k-row block per consumer fell outside the clock.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin } from 'kafkajs'
import type { ReferenceChildArgs } from './kafka-engine-reference'
import { measureDisk, type DiskResult } from './disk'
import { cpuTicks, machineShare, type MachineShare } from './machine-share'

/**
 * peakRssMb is the process's whole RSS. Of it, peakFileMb is file-backed:
 * with embedded chDB that is mostly the engine's code and tables mapped from
 * libchdb.so (a 566 MB library), clean pages the kernel can drop and re-read;
 * peakAnonMb is the heap (V8's and the engine's allocations).
 */
export interface RunResult {
  perSec: number
  mbPerSec: number
  peakRssMb: number
  peakAnonMb: number
  peakFileMb: number
  ms: number
  rows?: number
  machine: MachineShare
}

const ROOT = join(__dirname, '..')

export function rssMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile' = 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

/** True once the group has finished joining with at least `members` members. */
async function groupStable(admin: Admin, group: string, members: number): Promise<boolean> {
  const { groups } = await admin.describeGroups([group])
  return groups[0]?.state === 'Stable' && groups[0].members.length >= members
}

async function committed(admin: Admin, group: string, topic: string) {
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  return (offsets[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
}

/** Polls the group until `end` offsets are committed; samples the child's RSS meanwhile. */
export async function timeGroup(
  admin: Admin,
  group: string,
  topic: string,
  end: number,
  bytesPerEvent: number,
  child: ChildProcess,
  opts: { timeoutMs: number; members: number; onSample?: (done: number, rssMb: number) => void },
): Promise<RunResult> {
  const deadline = Date.now() + opts.timeoutMs
  let start: { at: number; done: number; ticks: number[] } | null = null
  let peak = 0
  let peakAnon = 0
  let peakFile = 0
  let lastReport = 0
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`consumer exited early with ${child.exitCode}: ${(child as { output?: () => string }).output?.().slice(-3000) ?? ''}`)
    if (Date.now() > deadline) throw new Error(`timed out: group ${group} did not commit ${end} offsets`)
    const done = await committed(admin, group, topic).catch(() => 0)
    const rss = rssMb(child.pid)
    peak = Math.max(peak, rss)
    peakAnon = Math.max(peakAnon, rssMb(child.pid, 'RssAnon'))
    peakFile = Math.max(peakFile, rssMb(child.pid, 'RssFile'))
    const now = performance.now()
    if (!start && (done > 0 || (await groupStable(admin, group, opts.members).catch(() => false)))) start = { at: now, done, ticks: cpuTicks() }
    if (now - lastReport > 5_000) {
      lastReport = now
      opts.onSample?.(done, rss)
    }
    if (done >= end && start) {
      // A run that finished within one poll has no measurable interval: count it from the poll before.
      const ms = Math.max(now - start.at, 100)
      const events = start.done >= end ? end : end - start.done
      return {
        perSec: events / (ms / 1000),
        mbPerSec: (events * bytesPerEvent) / 1e6 / (ms / 1000),
        peakRssMb: Math.max(peak, rssMb(child.pid, 'VmHWM')),
        peakAnonMb: peakAnon,
        peakFileMb: peakFile,
        ms,
        machine: machineShare(start.ticks),
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

function spawnChild(args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  let output = ''
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d) => (output = (output + d).slice(-20_000)))
  child.stderr?.on('data', (d) => (output = (output + d).slice(-20_000)))
  return Object.assign(child, { output: () => output })
}

const exited = (c: ChildProcess) => (c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise<number | null>((r) => c.once('exit', r)))

export interface TopicInfo {
  brokers: string
  topic: string
  partitions: number
  events: number
  bytesPerEvent: number
}

export interface OursOptions {
  batchRows: number
  maxWaitMs?: number
  timeoutMs: number
  log?: (l: string) => void
  keepDir?: boolean
  measureDisk?: boolean
}

/** One run of the production consumer (`cli/ingest.ts`) from offset 0 with a fresh store and group. */
export async function runOurs(admin: Admin, t: TopicInfo, opts: OursOptions): Promise<RunResult & { disk?: DiskResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-ours-'))
  const group = `bench-ours-${Date.now().toString(36)}`
  const child = spawnChild(['cli/ingest.ts'], {
    INGEST_SOURCE: 'kafka',
    KAFKA_BROKERS: t.brokers,
    KAFKA_TOPIC: t.topic,
    KAFKA_GROUP: group,
    DATA_DIR: dir,
    CLICKHOUSE_DATABASE: 'bench',
    INGEST_MAX_BATCH_ROWS: String(opts.batchRows),
    INGEST_MAX_WAIT_MS: String(opts.maxWaitMs ?? 1000),
  })
  try {
    const r = await timeGroup(admin, group, t.topic, t.events, t.bytesPerEvent, child, {
      members: 1,
      timeoutMs: opts.timeoutMs,
      onSample: (d, rss) => opts.log?.(`    ours: ${d}/${t.events} committed, rss ${rss.toFixed(0)} MB`),
    })
    child.kill('SIGTERM')
    if ((await exited(child)) !== 0) throw new Error(`ingest exited badly: ${child.output().slice(-1500)}`)
    const disk = opts.measureDisk ? await measureDisk(dir) : undefined
    if (disk && disk.rows !== t.events) throw new Error(`ours stored ${disk.rows} rows, expected ${t.events}`)
    return { ...r, disk, rows: disk?.rows }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true })
  }
}

/** One run of the Kafka engine reference from offset 0 with a fresh store and group. */
export async function runReference(
  admin: Admin,
  t: TopicInfo,
  opts: { maxBlockSize: number; flushIntervalMs: number; timeoutMs: number; log?: (l: string) => void },
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-bench-ref-'))
  const args: ReferenceChildArgs = {
    dir,
    brokers: t.brokers,
    topic: t.topic,
    group: `bench-ref-${Date.now().toString(36)}`,
    consumers: t.partitions,
    expectRows: t.events,
    maxBlockSize: opts.maxBlockSize,
    flushIntervalMs: opts.flushIntervalMs,
    timeoutMs: opts.timeoutMs,
  }
  const child = spawnChild(['bench/kafka-engine-reference.ts', JSON.stringify(args)], {})
  try {
    const r = await timeGroup(admin, args.group, t.topic, t.events, t.bytesPerEvent, child, {
      members: t.partitions,
      timeoutMs: opts.timeoutMs,
      onSample: (d, rss) => opts.log?.(`    reference: ${d}/${t.events} committed, rss ${rss.toFixed(0)} MB`),
    })
    // The child sees the rows a poll after the commit; give it a moment to say so.
    for (let i = 0; i < 150 && !/RESULT/.test(child.output()) && child.exitCode === null; i++) await new Promise((res) => setTimeout(res, 200))
    const m = /RESULT (\{.*\})/.exec(child.output())
    const rows = m ? (JSON.parse(m[1]) as { rows: number }).rows : -1
    child.kill('SIGTERM')
    await exited(child)
    if (rows < t.events) throw new Error(`reference stored ${rows} rows, expected ${t.events}: ${child.output().slice(-1500)}`)
    return { ...r, rows }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}
