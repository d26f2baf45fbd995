/**
 * How far behind the newest call (in detection time) a kept state may fall before it is dropped: longer than the
 * longest window a kept state covers (the sequential test's 90-minute own history), so a state old enough to go
 * has nothing left that a run could reuse.
 */
export const KEPT_STATE_HORIZON_MS = 2 * 3_600_000

/** How many stores and tenant filters each detector keeps state for; the detector's own tick needs one. */
export const KEPT_STATE_CAPACITY = 4

/**
 * State a detector keeps between its runs (install minutes, histories,
 * baselines), per store and tenant filter. It is a cache: a missing state is
 * rebuilt from the store with the same findings, only slower (each keeping
 * module's integration test compares kept and recomputed results), so it can
 * be dropped at any time, and is:
 * - an entry last used more than `horizonMs` of detection time before the
 *   call being made (its minutes have left every window), and
 * - beyond `capacity` entries, the least recently used.
 * Without this, every store and tenant filter a process ever ran detection
 * for kept its state for the life of the process: an eval or test process
 * runs hundreds of stores, and a long-lived detector would keep a state for
 * every tenant-filtered call.
 */
export class KeptStates<T> {
  /** Insertion order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, { value: T; at: number }>()

  constructor(
    private readonly capacity = KEPT_STATE_CAPACITY,
    private readonly horizonMs = KEPT_STATE_HORIZON_MS,
  ) {}

  /** The state of `key`, marked used at detection time `now` (ms); stale entries are dropped first. */
  get(key: string, now: number): T | undefined {
    this.dropStale(now)
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.entries.set(key, { value: entry.value, at: Math.max(entry.at, now) })
    return entry.value
  }

  /** Keeps `value` for `key` as used at `now`, dropping the least recently used entries past the capacity. */
  set(key: string, value: T, now: number): T {
    this.dropStale(now)
    this.entries.delete(key)
    this.entries.set(key, { value, at: now })
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break
      this.entries.delete(oldest)
    }
    return value
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }

  private dropStale(now: number): void {
    for (const [key, entry] of this.entries) if (entry.at < now - this.horizonMs) this.entries.delete(key)
  }
}
