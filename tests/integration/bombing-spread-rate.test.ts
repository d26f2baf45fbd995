import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectSequentialBombing, type SequentialResult } from '../../lib/detection/bombing-sequential'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { GatewayEventInput } from '../../lib/events/schema'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000

function rng(seed: number) {
  let s = seed >>> 0
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  return { next, normal: () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()) }
}

/**
 * One tenant's chat feature: 150 installs over 150 minutes (median 1,000
 * context tokens, σ 0.5), 1 request a minute. From 10 minutes before `now`,
 * installs 0-19 send 2 requests a minute at 2.5x (a spread attack with one
 * onset). Install 20 is recruited too but keeps its user's 3 requests a
 * minute beside the attack's 2 at 2.5x: under 1.5x per request, every size
 * test's bar. The feature is small (130 installs tested), so the look runs at
 * α 1 (one chance name per group) here; the statistic's bar at the default is
 * the unit test's (tests/unit/bombing-spread-rate.test.ts). Install 21 is an honest user whose session began at
 * the attack's minute: a request every 10 minutes before, 5 a minute since,
 * at the ordinary size.
 */
function traffic(now: number): GatewayEventInput[] {
  const r = rng(20)
  const out: GatewayEventInput[] = []
  const request = (i: number, ts: number, x: number) => {
    const ctx = Math.round(1000 * x * Math.exp(0.5 * r.normal()))
    out.push(
      llmRequest({
        tenant_id: 'spr',
        install_id: `spr-${i}`,
        app_version: `2.${i % 3}.0`,
        device_fingerprint: `5f${i.toString(16)}`.padEnd(16, '0'),
        ip_prefix: `10.${i}.7.0/24`,
        feature: 'chat',
        ts,
        prompt_tokens: ctx,
        context_tokens: ctx,
        completion_tokens: 100,
      }),
    )
  }
  const onset = now - 10 * MIN
  for (let i = 0; i < 150; i++) {
    const every = i === 20 ? MIN / 3 : i === 21 ? 10 * MIN : MIN
    for (let ts = now - 150 * MIN + i * 300; ts < onset; ts += every) request(i, ts, 1)
    for (let m = 10; m > 0; m--) {
      const at = now - m * MIN + i * 200
      if (i < 20) for (let k = 0; k < 2; k++) request(i, at + k * 20_000, 2.5)
      else if (i === 20) {
        for (let k = 0; k < 3; k++) request(i, at + k * 15_000, 1)
        for (let k = 0; k < 2; k++) request(i, at + 40_000 + k * 8_000, 2.5)
      } else if (i === 21) for (let k = 0; k < 5; k++) request(i, at + k * 10_000, 1)
      else request(i, at, 1)
    }
  }
  return out
}

describe('prompt bombing: members of a standing spread group by request size and rate together', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let withLook: SequentialResult
  let withoutLook: SequentialResult
  const now = Math.floor(Date.now() / MIN) * MIN - 5 * MIN

  beforeAll(async () => {
    store = await testStore('bombing_spread_rate')
    const loaded = await loadEvents(store, traffic(now), now)
    expect(loaded.deadLetters).toBe(0)
    withoutLook = await detectSequentialBombing(store, { ...S, spreadMemberAlpha: 0 }, now)
    withLook = await detectSequentialBombing(store, { ...S, spreadMemberAlpha: 1 }, now)
  }, 180_000)
  afterAll(async () => store?.drop())

  const group = (r: SequentialResult) => r.groups.find((g) => g.tenant_id === 'spr' && g.feature === 'chat' && g.kind === 'feature_excess')
  const ids = (r: SequentialResult) => new Set(group(r)?.members.map((m) => m.install_id))

  it('the group stands on the attackers with an onset minute', () => {
    expect(group(withLook)?.onset).toBeDefined()
    expect(group(withLook)!.score).toBeGreaterThanOrEqual(50)
    for (let i = 0; i < 20; i++) expect(ids(withLook).has(`spr-${i}`)).toBe(true)
  })

  it('names the member that keeps its own traffic, which no size test names', () => {
    expect(ids(withoutLook).has('spr-20')).toBe(false)
    expect(ids(withLook).has('spr-20')).toBe(true)
    // Listed, not counted: the group's z is the same.
    expect(group(withLook)!.z).toBe(group(withoutLook)!.z)
  })

  it('does not name the honest install whose session began at the attack minute, nor other honest installs', () => {
    expect(ids(withLook).has('spr-21')).toBe(false)
    expect([...ids(withLook)].filter((id) => Number(id.slice(4)) > 20)).toEqual([])
  })
})
