/**
 * The one back-off policy of ingest: capped exponential, `initialMs`, twice
 * that, four times … up to `maxMs`. Every store call a source or the pipeline
 * retries (insert, intent record, intent lookup, recent-id seed) uses it with
 * STORE_RETRY_INITIAL_MS and the pipeline's INGEST_RETRY_MAX_MS ceiling;
 * consumer restarts and held partitions (kafka-undecodable.ts) use it from 1 s.
 */
export const backoffMs = (attempt: number, maxMs: number, initialMs = STORE_RETRY_INITIAL_MS) => Math.min(initialMs * 2 ** Math.min(attempt, 30), maxMs)

export const STORE_RETRY_INITIAL_MS = 100

/** What retryStore returns when the result stopped being wanted before it was had. */
export const GAVE_UP: unique symbol = Symbol('gave up')

export interface RetryOptions {
  /** Ceiling of the back-off (INGEST_RETRY_MAX_MS). */
  maxMs: number
  /** Checked before every try: false ends the retries with GAVE_UP (the range is no longer this process's to write). */
  wanted?: () => boolean
  /** Each failure, with what was being done and why it failed, before the back-off sleep. */
  onFailure?: (message: string) => void | Promise<void>
  sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Runs `attempt` until it succeeds. A store failure is retried, never turned
 * into a dead letter: an infrastructure failure is not bad input. `what` says
 * what the call does ("inserting offsets 0-249 of partition 3"), so the error
 * on the health page names the step that failed.
 */
export async function retryStore<T>(what: string, attempt: () => Promise<T>, opts: RetryOptions): Promise<T | typeof GAVE_UP> {
  const sleep = opts.sleep ?? defaultSleep
  for (let n = 0; ; n++) {
    if (opts.wanted && !opts.wanted()) return GAVE_UP
    try {
      return await attempt()
    } catch (err) {
      await opts.onFailure?.(`${what}: ${err instanceof Error ? err.message : String(err)}`)
      await sleep(backoffMs(n, opts.maxMs))
    }
  }
}
