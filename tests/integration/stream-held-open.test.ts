import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayEventInput } from '../../lib/events/schema'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { detectStreamAbuse } from '../../lib/detection/stream-abuse'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'
import { streamEvents } from '../helpers/stream-events'

/**
 * Streams held open at once (open-stream-concurrency.ts) end to end: events
 * through the real ingest path into a migrated store, stream abuse run at a
 * moment when a script holds six answers open that have run 90-120 s (none
 * closed yet), beside a user who switched chats (two open) and ordinary
 * installs whose short streams closed. Both ways the detector reads its
 * window (the query, and the minutes kept between 30 s runs) name the script
 * and only it.
 */
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('held_open')
})
afterAll(async () => {
  await store?.drop()
})

const MIN = 60_000
const t0 = Math.floor((Date.now() - 30 * MIN) / MIN) * MIN
/** An ordinary answer's stream (40 tokens a second), from `start`, as reported up to `until`. */
const stream = (install: string, start: number, durationMs: number, until: number, tenant = 'acme') =>
  streamEvents({ tenant, install, start, durationMs, until, tokensPerSec: 40 })

describe('stream abuse: streams held open at once', () => {
  it('names the install holding six answers open for 90 s or more before any closes, not one that switched chats', async () => {
    const now = t0 + 20 * MIN
    const events: GatewayEventInput[] = []
    // 14 ordinary installs: a short answer every 2 minutes, closed; one of them had a 70 s answer.
    for (let i = 0; i < 14; i++)
      for (let m = 4; m < 20; m += 2) events.push(...stream(`user-${i}`, t0 + m * MIN + 3_000 * i, i === 0 && m === 10 ? 70_000 : 8_000 + 500 * i, now))
    // The script: six 8-minute answers opened over 30 s, 90-120 s before now.
    for (let k = 0; k < 6; k++) events.push(...stream('script', now - 2 * MIN + 6_000 * k, 8 * MIN, now))
    // A chat switch: a long answer and, 20 s later, a second one, both still streaming.
    events.push(...stream('switcher', now - 100_000, 3 * MIN, now), ...stream('switcher', now - 80_000, 3 * MIN, now))
    expect(await eventLoader(store).load(events, now)).toMatchObject({ deadLetters: 0 })

    for (const kept of [false, true]) {
      const rows = await detectStreamAbuse(store, S, now, { kept })
      const script = rows.find((r) => r.install_id === 'script')!
      expect(script.score, `kept ${kept}`).toBeGreaterThanOrEqual(50)
      expect(script.reasons.join(' ')).toMatch(/6 streams open at once now, each for 90 s or more/)
      const switcher = rows.find((r) => r.install_id === 'switcher')
      expect(switcher?.score ?? 0).toBeLessThan(25)
      expect(rows.filter((r) => r.score >= 50).map((r) => r.install_id)).toEqual(['script'])
    }
  })

  it('names a script that keeps three long answers running in turn over the window, not a reader whose long answers follow one another', async () => {
    // Another tenant, so the first test's streams are not this one's population.
    const tenant = 'globex'
    const now = t0 + 20 * MIN
    const events: GatewayEventInput[] = []
    for (let i = 0; i < 14; i++) for (let m = 4; m < 20; m += 2) events.push(...stream(`g-user-${i}`, t0 + m * MIN + 3_000 * i, 8_000 + 500 * i, now, tenant))
    // Three chains of 5-minute answers side by side: at now only 3 are open, each for about 50 s (the moment
    // test sees little); over the window 9 ran, 6 of them beside another.
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) events.push(...stream('g-script', now - 14 * MIN + 10_000 * c + k * 5 * MIN, 5 * MIN, now, tenant))
    // A reader: 4-minute answers one after another, one open now, and a chat switch beside it.
    for (let k = 0; k < 3; k++) events.push(...stream('g-reader', now - 12 * MIN + k * 4 * MIN + k * 5_000, 4 * MIN, now, tenant))
    events.push(...stream('g-reader', now - 70_000, 3 * MIN, now, tenant))
    expect(await eventLoader(store).load(events, now)).toMatchObject({ deadLetters: 0 })

    for (const kept of [false, true]) {
      const rows = await detectStreamAbuse(store, S, now, { kept, tenant })
      const script = rows.find((r) => r.install_id === 'g-script')!
      expect(script.score, `kept ${kept}`).toBeGreaterThanOrEqual(50)
      expect(script.reasons.join(' ')).toMatch(/6 of its 9 long streams in the window opened while another was still running/)
      expect(rows.filter((r) => r.score >= 50).map((r) => r.install_id)).toEqual(['g-script'])
    }
  })
})
