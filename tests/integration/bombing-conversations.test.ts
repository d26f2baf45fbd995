import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { ConversationCheck } from '../../lib/detection/bombing-conversations'
import { Rng } from '../../lib/simulator/random'
import { installContext } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

let store: Store & { drop(): Promise<void> }
const now = Math.floor(Date.now() / 60_000) * 60_000
const MEDIAN = 900
let n = 0

/** A streamed call of `install` that started at `start` and lasted `ms`: its event is stamped at its end. */
function streamed(install: string, start: number, ms: number, context: number, output: number) {
  return {
    ...installContext('acme', install),
    type: 'stream' as const,
    event_id: `conv-${n++}`,
    ts: start + ms,
    feature: 'chat_assistant',
    model: 'gpt-4o-mini',
    prompt_tokens: context,
    completion_tokens: output,
    context_tokens: context,
    prompt_bytes: context * 4,
    transport: 'sse' as const,
    duration_ms: ms,
    ttft_ms: 400,
    end_reason: 'completed' as const,
    stream_id: `s-${n}`,
  }
}

beforeAll(async () => {
  store = await testStore('conversations')
  const rng = new Rng(5)
  const events = []
  // A chatter: two sessions of 12 turns, each turn re-sending the last context and its answer plus a short message.
  let t = now - 25 * 60_000
  for (let s = 0; s < 2; s++) {
    let context = 700
    for (let k = 0; k < 12; k++) {
      const output = 250 + rng.int(150)
      events.push(streamed('i-chatter', t, 40_000 - k * 3_000, context, output))
      context += output + 60
      t += 45_000
    }
  }
  // A bomber: independent draws around 3x the median.
  for (let k = 0; k < 24; k++) events.push(streamed('i-bomber', now - 25 * 60_000 + k * 50_000, 8_000, Math.round(rng.lognormal(3 * MEDIAN, 0.6)), 300))
  const { deadLetters } = await loadEvents(store, events)
  expect(deadLetters).toBe(0)
})
afterAll(async () => store?.drop())

describe('conversations read from the stored calls', () => {
  it('tells a chat re-sending its history from a bomber, reading each install once a run', async () => {
    const check = new ConversationCheck(store, now - 30 * 60_000, now)
    const ask = [
      { tenant_id: 'acme', feature: 'chat_assistant', install_id: 'i-chatter' },
      { tenant_id: 'acme', feature: 'chat_assistant', install_id: 'i-bomber' },
      { tenant_id: 'acme', feature: 'chat_assistant', install_id: 'i-nobody' },
    ]
    const grown = await check.grown(ask, () => MEDIAN)
    expect([...grown]).toEqual(['acme\u0000chat_assistant\u0000i-chatter'])
    expect(check.shape('acme', 'chat_assistant', 'i-chatter')).toMatchObject({ calls: 24, grown: true })
    expect(check.shape('acme', 'chat_assistant', 'i-bomber')!.grown).toBe(false)
    expect(check.shape('acme', 'chat_assistant', 'i-nobody')).toMatchObject({ calls: 0, grown: false })
  })
})
