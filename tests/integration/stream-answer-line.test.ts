import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayEventInput } from '../../lib/events/schema'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { detectStreamAbuse } from '../../lib/detection/stream-abuse'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'
import { streamEvents } from '../helpers/stream-events'

/**
 * Answers longer than answers are (stream-answer-line.ts) end to end: an hour of ordinary chat answers through the
 * real ingest path, then at `now` a connection used as a pipe (one stream at a time, 12 minutes at 20 tokens a
 * second: 14,400 tokens out so far) beside a user reading one long answer (2.5 minutes at 40 tokens a second: 6,000).
 * The pipe is named, the reader is not, both ways the detector reads its window.
 */
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('answer_line')
})
afterAll(async () => {
  await store?.drop()
})

const MIN = 60_000
const now = Math.floor((Date.now() - 10 * MIN) / (5 * MIN)) * (5 * MIN) + 2 * MIN
const t0 = now - 70 * MIN
const tenant = 'acme'

describe('stream abuse: a stream that answers far past the longest answers of its feature', () => {
  it('names the pipe, not a reader of one long answer, and says why', async () => {
    const events: GatewayEventInput[] = []
    // 20 users: an answer of 8-20 s at 40 tokens a second every 2 minutes over the hour (320-800 tokens each).
    for (let i = 0; i < 20; i++)
      for (let m = 0; m < 68; m += 2)
        events.push(...streamEvents({ tenant, install: `u-${i}`, start: t0 + m * MIN + 2_000 * i, durationMs: 8_000 + 600 * i, until: now, tokensPerSec: 40 }))
    events.push(...streamEvents({ tenant, install: 'pipe', start: now - 12 * MIN - 10_000, durationMs: 30 * MIN, until: now, tokensPerSec: 20 }))
    events.push(...streamEvents({ tenant, install: 'reader', start: now - 150_000 - 10_000, durationMs: 4 * MIN, until: now, tokensPerSec: 40 }))
    expect(await eventLoader(store).load(events, now)).toMatchObject({ deadLetters: 0 })

    for (const kept of [false, true]) {
      const rows = await detectStreamAbuse(store, S, now, { kept, tenant })
      const pipe = rows.find((r) => r.install_id === 'pipe')!
      expect(pipe.score, `kept ${kept}`).toBeGreaterThanOrEqual(50)
      expect(pipe.reasons.join(' ')).toMatch(
        /a stream still answering at 14[0-9]{3} output tokens, 3\.[0-9]x the longest answers of chat_assistant \(4096 tokens/,
      )
      expect(rows.filter((r) => r.score >= 50).map((r) => r.install_id)).toEqual(['pipe'])
    }
  })
})
