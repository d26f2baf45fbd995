/**
 * A cap on concurrent password hashing. Each scrypt verification holds 64 MiB
 * and a libuv thread for ~0.2 s; without a cap, a flood of sign-ins (random
 * user names need no valid account) queues unbounded memory and starves the
 * thread pool the store and file I/O share. At most `maxActive` hashes run,
 * `maxQueued` more wait, and anything beyond is refused at once, costing us
 * nothing.
 */
export class ConcurrencyGate {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
  ) {}

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length }
  }

  /** Runs `fn` when a slot is free; `{ ok: false }` without running it when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) return { ok: false }
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.active++
    }
    try {
      return { ok: true, value: await fn() }
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

// Two hashes at a time is 128 MiB and half of libuv's default four threads;
// 32 waiting is ~3 s of queue at 0.2 s per hash, after which refusing is kinder.
const KEY = Symbol.for('burnrate.auth.hashGate')
type G = typeof globalThis & { [KEY]?: ConcurrencyGate }
export const signinHashGate = (): ConcurrencyGate => ((globalThis as G)[KEY] ??= new ConcurrencyGate(2, 32))
