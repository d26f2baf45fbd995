import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { intentLedger, type IntentLedger } from './intent-ledger'
import type { BatchRange } from './sink'
import type { SourceMessage } from './types'

/**
 * The delivery guarantee of Kafka ingest, stated once, step by step, with the
 * guarantee each step gives. It holds per partition; kafka-batches.ts runs the
 * steps for the consumer of kafka-source.ts, this file keeps their state (the
 * offset ledger).
 *
 *  1. First batch after a group join (a start, a consumer restart, a
 *     rebalance): wait for this member's write of the partition still in
 *     flight, then drop what this member committed since the fetch started.
 *     → No range is written twice by this member.
 *  2. Replay: look up the intent recorded at the first offset read (the
 *     committed one). If a previous owner recorded one, rebuild exactly that
 *     range (if the fetch ended inside it, fetch again), so it has the same
 *     rows and the same dedup token. → A range inserted but never committed
 *     (a crash, a lost partition, a failed commit) is stored once: ClickHouse
 *     drops the repeated insert in `events` and, through the view targets'
 *     dedup windows (0004, 0031) and the views' stable identity (0053), in
 *     every rollup.
 *  3. Seed the recent-id memory with the ids stored from the partition's last
 *     capacity / P offsets below the first offset read (P = partitions this
 *     member holds). Those offsets were committed, hence stored, whoever wrote
 *     them. Offsets from the first one read up are never seeded: they are read
 *     again, and seeding them would dead-letter a replay as its own duplicate.
 *     → A gateway's re-send is a dead letter, not a second row in the rollups
 *     (views count rows at insert time), when its original is within those
 *     offsets or among the last `capacity` (200,000) ids this process read.
 *     Gateways key messages by install id, so a re-send reaches its
 *     original's partition; one keyed elsewhere is caught only while one
 *     process reads both partitions; in cluster mode the seed reads one
 *     replica, which may not have fetched the newest part yet. Beyond these
 *     limits it is a second row that `events` collapses on merge (FINAL) and
 *     the rollups keep counting.
 *  4. Cut the rest into ranges of at most maxBatchRows. The next range is
 *     decoded, validated and priced while the previous one is inserted; a
 *     partition has at most one insert in flight. → Ranges are inserted and
 *     committed in offset order.
 *  5. Record the range as an intent before inserting it: one row per range in
 *     ingest_batches, or in cluster mode the latest range per partition in
 *     KeeperMap (0030), which any replica reads consistently. → Whoever owns
 *     the partition next finds it (step 2).
 *  6. Insert it with a dedup token made from its offsets. A store failure is
 *     retried with the one back-off policy (retry.ts), never dead-lettered;
 *     meanwhile the partition is not fetched and the session is kept alive.
 *     → A retried insert is stored once.
 *  7. Commit the offset after the range, once ClickHouse acknowledged it, and
 *     only while this member still owns the range (same group generation,
 *     batch not stale). A range left uncommitted has its ids forgotten by the
 *     recent-id memory. → Nothing is committed that is not stored (at least
 *     once from Kafka), and the replay of step 2 is not dead-lettered.
 *  8. A rebalance ends this member's claim on every range fetched before it,
 *     even of a partition it keeps: it may have been dropped from the group
 *     and the partition read by another member meanwhile, and a commit under
 *     the new generation is accepted whoever owns the partition, so it could
 *     move that member's progress back. → Such a range is left to step 2.
 *  9. stop() commits every acknowledged insert before leaving the group, and
 *     new batches insert synchronously once it began. → A SIGTERM never lands
 *     between an insert and its commit; a write still waiting for the store
 *     after the grace period is given up uncommitted, for step 2 on restart.
 * 10. A batch that cannot be decoded holds its partition at its first offset
 *     (nothing past it is committed; health shows it stuck; tried again with
 *     back-off) or, with INGEST_UNDECODABLE=dead-letter, is recorded as one
 *     dead-letter range and committed past. → No range is skipped silently.
 *
 * Together: at least once from Kafka, effectively exactly once in ClickHouse,
 * in `events` and in every rollup.
 */
export class OffsetLedger {
  private readonly sql: IntentLedger
  /** Partitions whose first batch since the last group join still has steps 1-3 to run. */
  private readonly replayChecked = new Set<number>()
  /** Per partition: the insert in flight, then its commit; resolves false if it was abandoned. */
  private readonly inFlight = new Map<number, Promise<boolean>>()
  /** Per partition: the next offset after what this member committed since it last joined. */
  private readonly committedTo = new Map<number, number>()

  constructor(
    private readonly store: Store,
    private readonly deps: {
      commitOffset?: (topic: string, partition: number, offset: number) => Promise<void>
      log?: (line: string) => void
    } = {},
  ) {
    this.sql = intentLedger(store.database, store.cluster !== '')
  }

  /** A group join: every partition starts again at step 1. */
  joined(): void {
    this.replayChecked.clear()
    this.committedTo.clear()
  }

  /** True until steps 1-3 ran for the partition since the last group join. */
  isFirstRead(partition: number): boolean {
    return !this.replayChecked.has(partition)
  }

  firstReadDone(partition: number): void {
    this.replayChecked.add(partition)
  }

  /** Step 1: the next offset after what this member committed since it joined (0 if nothing). */
  committedBy(partition: number): number {
    return this.committedTo.get(partition) ?? 0
  }

  /** Step 5. */
  async recordIntent(range: BatchRange): Promise<void> {
    await this.store.client.insert({
      table: this.sql.table,
      values: [this.sql.row(range)],
      format: 'JSONEachRow',
      clickhouse_settings: this.sql.insertSettings,
    })
  }

  /** Step 2: the range a previous owner of this partition started at `offset`, if any. */
  async intentAt(topic: string, partition: number, offset: number): Promise<BatchRange | null> {
    const { query, params } = this.sql.lookup(topic, partition, offset)
    return this.sql.rangeOf(await selectRows<{ first: string | number; last: string | number }>(this.store, query, params), topic, partition, offset)
  }

  /**
   * Step 2, given the intent found at the first fetched offset: the messages of
   * exactly that range, null if there is none, 'wait' if the fetch ended inside
   * it (Kafka fetches from the same offset return at least as much unless the
   * fetch size was lowered, so fetch again rather than insert a range with a
   * different token).
   */
  replayChunk(messages: SourceMessage[], intent: BatchRange | null): SourceMessage[] | null | 'wait' {
    if (!intent) return null
    const first = messages[0]
    const chunk = messages.filter((m) => m.offset <= intent.lastOffset)
    if (chunk[chunk.length - 1].offset >= intent.lastOffset || messages.length > chunk.length) {
      this.deps.log?.(`partition ${first.partition}: replaying uncommitted range ${first.offset}-${intent.lastOffset}`)
      return chunk
    }
    this.deps.log?.(
      `partition ${first.partition}: fetch ended at ${chunk[chunk.length - 1].offset} inside uncommitted range ending ${intent.lastOffset}; refetching`,
    )
    return 'wait'
  }

  /** Step 4: the partition's write (insert, then commit) now in flight. */
  track(partition: number, written: Promise<boolean>): void {
    this.inFlight.set(partition, written)
  }

  /** Waits for the partition's write in flight, if any; false if it was abandoned. */
  async settle(partition: number): Promise<boolean> {
    const pending = this.inFlight.get(partition)
    if (!pending) return true
    const ok = await pending
    if (this.inFlight.get(partition) === pending) this.inFlight.delete(partition)
    return ok
  }

  /** Partitions with a write in flight (step 9 waits for them). */
  writing(): number[] {
    return [...this.inFlight.keys()]
  }

  /** Step 7: false if Kafka refused it (the partition was lost meanwhile: its next owner replays the range). */
  async commit(topic: string, partition: number, offset: number): Promise<boolean> {
    try {
      if (!this.deps.commitOffset) throw new Error('no consumer to commit with')
      await this.deps.commitOffset(topic, partition, offset)
      this.committedTo.set(partition, Math.max(offset, this.committedBy(partition)))
      return true
    } catch (err) {
      this.deps.log?.(`partition ${partition}: commit of ${offset} failed (${err instanceof Error ? err.message : err}); the next owner replays it`)
      return false
    }
  }
}
