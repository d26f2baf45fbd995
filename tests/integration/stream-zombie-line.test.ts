import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayEventInput } from '../../lib/events/schema'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { detectStreamAbuse } from '../../lib/detection/stream-abuse'
import { resetStreamMinutes } from '../../lib/detection/stream-window-minutes'
import { resetZombieRates, zombieLines } from '../../lib/detection/stream-zombie'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'
import { installContext } from '../helpers/events'

/**
 * The zombie line drawn from each feature's own streaming rate
 * (stream-zombie.ts), end to end: events through the real ingest path into a
 * migrated store. In tenant acme, chat answers stream at 40-80 tok/s and
 * voice sessions are long and slow by nature (1.5-3 tok/s, 6-minute
 * sessions). Two installs each hold two streams open 5.5-6 minutes at
 * 1.2 tok/s (above the absolute 1 tok/s), one in chat, one in voice: the chat
 * one is a zombie pair and alerts, the voice one is not. In tenant solo (chat
 * only), an install closed two 8-minute 1.2 tok/s chat streams: zombies from
 * the closed streams too, both ways the window is read.
 */
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('zombie_line')
})
afterAll(async () => {
  await store?.drop()
})

const MIN = 60_000
const t0 = Math.floor((Date.now() - 40 * MIN) / (5 * MIN)) * 5 * MIN
let n = 0
const context = installContext
const usage = (feature: string, completion: number) => ({
  feature,
  model: 'gpt-4o-mini',
  prompt_tokens: 900,
  completion_tokens: completion,
  context_tokens: 900,
  prompt_bytes: 3_600,
})

/** A stream at `tps` tokens a second from `start`, reported every 30 s up to `until`; closed at start + durationMs if that is before `until`. */
function stream(tenant: string, install: string, feature: string, start: number, durationMs: number, tps: number, until: number): GatewayEventInput[] {
  const id = `s-${install}-${n++}`
  const out: GatewayEventInput[] = []
  const base = { ...context(tenant, install), stream_id: id, transport: 'sse' as const, ttft_ms: 400 }
  for (let at = 30_000; at < durationMs && start + at <= until; at += 30_000)
    out.push({ ...base, ...usage(feature, Math.round((at / 1000) * tps)), type: 'stream_progress', event_id: `p-${n++}`, ts: start + at, duration_ms: at })
  if (start + durationMs <= until)
    out.push({
      ...base,
      ...usage(feature, Math.round((durationMs / 1000) * tps)),
      type: 'stream',
      event_id: `e-${n++}`,
      ts: start + durationMs,
      duration_ms: durationMs,
      end_reason: 'completed',
    })
  return out
}

describe('stream abuse: zombies judged against the feature’s own streaming rate', () => {
  it('a 1.2 tok/s stream pair in a 40-80 tok/s feature is a zombie and alerts; in a slow-by-nature feature it is not', async () => {
    const now = t0 + 30 * MIN + 10_000
    const events: GatewayEventInput[] = []
    for (let i = 0; i < 14; i++) {
      // Chat: an 8-second answer every 2 minutes at 40-80 tok/s, in both tenants.
      for (let m = 0; m < 28; m += 2) {
        events.push(...stream('acme', `chat-${i}`, 'chat_assistant', t0 + m * MIN + 2_000 * i, 8_000, 40 + 3 * i, now))
        events.push(...stream('solo', `solo-${i}`, 'chat_assistant', t0 + m * MIN + 2_000 * i, 8_000, 40 + 3 * i, now))
      }
      // Voice: 6-minute sessions at 1.5-3 tok/s.
      for (let m = 0; m < 24; m += 8) events.push(...stream('acme', `voice-${i}`, 'voice_session', t0 + m * MIN + 5_000 * i, 6 * MIN, 1.5 + 0.1 * i, now))
    }
    // Two streams each, open 6 and 5.5 minutes at 1.2 tok/s, still open at now.
    for (const [install, feature] of [
      ['zombie-chat', 'chat_assistant'],
      ['slow-voice', 'voice_session'],
    ])
      for (const age of [6 * MIN, 5.5 * MIN]) events.push(...stream('acme', install, feature, now - age, 20 * MIN, 1.2, now))
    // Solo: two 8-minute 1.2 tok/s chat streams that closed in the window.
    for (const at of [10, 16]) events.push(...stream('solo', 'zombie-closed', 'chat_assistant', t0 + at * MIN, 8 * MIN, 1.2, now))
    expect(await eventLoader(store).load(events, now)).toMatchObject({ deadLetters: 0 })

    resetZombieRates()
    const lines = await zombieLines(store, now, S)
    // The chat feature's slow decile is 40-50 tok/s (its 8 s answers with 0.4 s to the first token), the voice one under 2.
    expect(lines.feature('acme', 'chat_assistant').tokensPerSec).toBeGreaterThan(3.5)
    expect(lines.feature('acme', 'chat_assistant').tokensPerSec).toBeLessThan(5)
    expect(lines.feature('acme', 'voice_session').tokensPerSec).toBe(S.zombieMaxTokensPerSec)
    expect(lines.tenant('acme').tokensPerSec).toBe(S.zombieMaxTokensPerSec)
    expect(lines.tenant('solo').tokensPerSec).toBeGreaterThan(3.5)

    for (const kept of [false, true]) {
      resetStreamMinutes()
      const rows = await detectStreamAbuse(store, S, now, { kept })
      const byId = (id: string) => rows.find((r) => r.install_id === id)
      expect(byId('zombie-chat')!.zombie_streams, `kept ${kept}`).toBe(2)
      expect(byId('zombie-chat')!.score).toBeGreaterThanOrEqual(50)
      expect(byId('zombie-chat')!.reasons.join(' ')).toMatch(/2 zombie stream\(s\).*chat_assistant's slow decile/)
      expect(byId('slow-voice')?.zombie_streams ?? 0).toBe(0)
      expect(byId('zombie-closed')!.zombie_streams, `kept ${kept}`).toBe(2)
      expect(byId('zombie-closed')!.score).toBeGreaterThanOrEqual(50)
      expect(rows.filter((r) => r.tenant_id === 'acme' && r.install_id.startsWith('voice-')).map((r) => r.zombie_streams)).toEqual(Array(14).fill(0))
      expect(
        rows
          .filter((r) => r.zombie_streams > 0)
          .map((r) => r.install_id)
          .sort(),
      ).toEqual(['zombie-chat', 'zombie-closed'])
    }

    // With the absolute line alone (the setting at 0) none of these is a zombie: 1.2 tok/s sits above 1.
    resetStreamMinutes()
    const absolute = await detectStreamAbuse(store, { ...S, zombieFeatureRateFraction: 0 }, now, { kept: true })
    expect(absolute.filter((r) => r.zombie_streams > 0)).toEqual([])
  }, 120_000)

  it('keeps each 5-minute step read once and gives the lines a fresh read gives, as the hour slides and jumps', async () => {
    // Tenant drift, in the same store (one engine per process): its own feature's line.
    const loader = eventLoader(store)
    const start = t0 - 60 * MIN
    const events: GatewayEventInput[] = []
    // 90 minutes of chat answers whose speed drifts, so every step's decile differs.
    for (let i = 0; i < 14; i++)
      for (let m = 0; m < 90; m += 1)
        events.push(...stream('drift', `drift-${i}`, 'chat_assistant', start + m * MIN + 1_000 * i, 6_000, 20 + m / 3 + 2 * i, start + 95 * MIN))
    expect(await loader.load(events, start + 95 * MIN)).toMatchObject({ deadLetters: 0 })
    const lineAt = async (at: number) => (await zombieLines(store, at, S)).feature('drift', 'chat_assistant')
    resetZombieRates()
    for (const at of [70, 75, 76, 80, 95, 85].map((m) => start + m * MIN + 10_000)) {
      const kept = await lineAt(at)
      resetZombieRates()
      const fresh = await lineAt(at)
      expect(kept).toEqual(fresh)
      expect(kept.tokensPerSec).toBeGreaterThan(S.zombieMaxTokensPerSec)
    }
  }, 120_000)
})
