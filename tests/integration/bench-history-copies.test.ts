import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fillByCopies, REJECTION_KEEP } from '../../bench/detection-history'
import { rows, testStore } from '../helpers/store'

const MIN = 60_000

/**
 * The detection bench repeats 8 minutes of simulator traffic over its
 * 64-minute history. A rejected attestation is rare and belongs to one
 * install: repeated in every copy, one seed rejection became 7-9 rejections
 * of the same install, and the farm detector saw a popular phone build
 * holding that install as a farm failing attestation (1,000 ev/s, z 8.6).
 * Copies keep a rejection with probability 1/REJECTION_KEEP.
 */
describe('detection bench history copies', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  const startMs = Math.floor((Date.now() - 3 * 60 * MIN) / MIN) * MIN

  beforeAll(async () => {
    store = await testStore('bench_copies')
    await fillByCopies(store, { seed: 31, installs: 1_500, rate: 150, startMs, endMs: startMs + 72 * MIN })
  }, 600_000)

  afterAll(async () => {
    await store?.drop()
  })

  it('does not repeat a seed rejection on the same install in every copy', async () => {
    const perSeedEvent = await rows<{ seed_event: string; n: string }>(
      store,
      `SELECT splitByString('-h', event_id)[1] AS seed_event, count() AS n FROM ${store.database}.events
       WHERE type = 'attestation' AND verdict = 'rejected' GROUP BY seed_event`,
    )
    expect(perSeedEvent.length).toBeGreaterThan(0)
    const copies = 72 / 8
    const mean = perSeedEvent.reduce((a, r) => a + Number(r.n), 0) / perSeedEvent.length
    // Without thinning ≈ copies (each copy repeats it 0-2 times, mean 1); with it ≈ 1 + copies / REJECTION_KEEP.
    expect(mean).toBeLessThan(1 + (2 * copies) / REJECTION_KEEP)
    // The attestation itself stays (accepted): the install's timing and attestation count are the seed's.
    const [{ accepted }] = await rows<{ accepted: string }>(
      store,
      `SELECT count() AS accepted FROM ${store.database}.events WHERE type = 'attestation' AND verdict = 'accepted' AND empty(reasons)`,
    )
    expect(Number(accepted)).toBeGreaterThan(0)
  })
})
