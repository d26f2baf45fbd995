/**
 * Settings tables written from the app (budgets, test sources) are
 * ReplacingMergeTree tables read with argMax(…, version): each write appends
 * a row whose version orders it after every earlier write of this process.
 */
let lastVersion = 0

/** Strictly increasing within the process (microseconds of `now`, or one more), so two writes in one millisecond keep their order. */
export function rowVersion(now: number): number {
  lastVersion = Math.max(now * 1000, lastVersion + 1)
  return lastVersion
}

/**
 * A queue that runs `fn`s one at a time, so an audit entry's `before` is the
 * row its write replaces (read, audit, write, with no other write between).
 */
export function serialised(): <T>(fn: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve()
  return <T>(fn: () => Promise<T>) => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }
}
