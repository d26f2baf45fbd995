import { describe, expect, it } from 'vitest'
import { backoffMs, GAVE_UP, retryStore } from '../../lib/ingest/retry'

describe('the one back-off policy of ingest', () => {
  it('doubles from 100 ms up to the ceiling, or from the initial delay it is given', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, 1_000))).toEqual([100, 200, 400, 800, 1_000, 1_000])
    expect([0, 1, 2, 6, 100].map((n) => backoffMs(n, 60_000, 1_000))).toEqual([1_000, 2_000, 4_000, 60_000, 60_000])
  })

  it('retries a store call until it succeeds, saying what failed each time and sleeping the back-off', async () => {
    const failures: string[] = []
    const slept: number[] = []
    let calls = 0
    const result = await retryStore(
      'seeding recent event ids below offset 500 of t/2',
      async () => {
        if (++calls < 4) throw new Error('ECONNREFUSED')
        return 'ids'
      },
      { maxMs: 300, onFailure: (m) => void failures.push(m), sleep: async (ms) => void slept.push(ms) },
    )
    expect(result).toBe('ids')
    expect(failures).toEqual(Array(3).fill('seeding recent event ids below offset 500 of t/2: ECONNREFUSED'))
    expect(slept).toEqual([100, 200, 300])
  })

  it('gives up, without another try, once the result is no longer wanted', async () => {
    let calls = 0
    let wanted = true
    const result = await retryStore(
      'inserting',
      async () => {
        calls++
        throw new Error('down')
      },
      { maxMs: 100, wanted: () => wanted, onFailure: () => void (wanted = calls < 2), sleep: async () => {} },
    )
    expect(result).toBe(GAVE_UP)
    expect(calls).toBe(2)
  })
})
