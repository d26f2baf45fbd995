import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { detectTokenReuse } from '../../lib/detection/token-reuse-detect'
import type { GatewayEventInput } from '../../lib/events/schema'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * Token reuse on stored events: a thief's stream is seen through its first
 * `stream_progress` report, 30 s after it opens, before it closes. The
 * owner's call while it is open, from another country and ASN, is enough,
 * once the owner's network is used again after that report: a call in its
 * first seconds alone may be a phone's last before the stream moved with it.
 */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000
const base = {
  schema_version: 1,
  tenant_id: 'acme-fitness',
  app_id: 'com.acme.fitness',
  app_version: '3.2.0',
  platform: 'android',
  device_model: 'Pixel 8',
  os_version: '14',
  device_fingerprint: '9f86d081884c7d65',
  feature: 'chat_assistant',
  model: 'gpt-4o-mini',
  prompt_tokens: 800,
  completion_tokens: 100,
  context_tokens: 800,
  prompt_bytes: 3200,
} as const
const HOME = { ip_prefix: '73.12.9.0/24', asn: 7922, country: 'US' }
const ABROAD = { ip_prefix: '185.120.4.0/24', asn: 9009, country: 'RO' }
const CELL = { ip_prefix: '172.56.1.0/24', asn: 21928, country: 'US' }
const RELAY_A = { ip_prefix: '104.28.1.0/24', asn: 13335, country: 'US' }
const RELAY_B = { ip_prefix: '23.2.1.0/24', asn: 36183, country: 'US' }
const FLATMATE = { device_fingerprint: 'C3AB8FF13720E8AD', device_model: 'Galaxy S23', os_version: '15' }
let n = 0
const request = (install: string, at: number, net: typeof HOME): GatewayEventInput =>
  ({ ...base, ...net, type: 'llm_request', event_id: `tr-${n++}`, install_id: install, ts: at, outcome: 'served', latency_ms: 900 }) as GatewayEventInput
const progress = (install: string, stream: string, start: number, at: number, net: typeof HOME): GatewayEventInput =>
  ({
    ...base,
    ...net,
    type: 'stream_progress',
    event_id: `tr-${n++}`,
    install_id: install,
    ts: at,
    stream_id: stream,
    transport: 'sse',
    duration_ms: at - start,
    ttft_ms: 500,
  }) as GatewayEventInput
const close = (install: string, stream: string, start: number, at: number, net: typeof HOME): GatewayEventInput =>
  ({
    ...base,
    ...net,
    type: 'stream',
    event_id: `tr-${n++}`,
    install_id: install,
    ts: at,
    stream_id: stream,
    transport: 'sse',
    duration_ms: at - start,
    ttft_ms: 500,
    end_reason: 'completed',
  }) as GatewayEventInput

describe('token reuse on stored events', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  beforeAll(async () => {
    store = await testStore('token_reuse')
    const events = [
      // Stolen: home calls, a stream from abroad opens at +20 s (reported at +50 and +80 s, still open), home calls at
      // +30 s (before the stream is known to be abroad) and +60 s.
      request('stolen', T0, HOME),
      request('stolen', T0 + 10_000, HOME),
      progress('stolen', 's-thief', T0 + 20_000, T0 + 50_000, ABROAD),
      progress('stolen', 's-thief', T0 + 20_000, T0 + 80_000, ABROAD),
      request('stolen', T0 + 30_000, HOME),
      request('stolen', T0 + 60_000, HOME),
      // Handover and back across one cellular stream, in one country; the stream's report and its close are one call.
      request('phone', T0, HOME),
      request('phone', T0 + 10_000, HOME),
      progress('phone', 's-cell', T0 + 20_000, T0 + 50_000, CELL),
      close('phone', 's-cell', T0 + 20_000, T0 + 55_000, CELL),
      request('phone', T0 + 30_000, HOME),
      // One box abroad replays three harvested tokens of another tenant: two are proven as 'stolen' is, the third sent
      // one request from it and shows nothing of its own.
      ...['h1', 'h2'].flatMap((id, k) => [
        request(id, T0, { ...HOME, ip_prefix: `73.12.${k + 10}.0/24` }),
        progress(id, `s-${id}`, T0 + 20_000, T0 + 50_000, ABROAD),
        progress(id, `s-${id}`, T0 + 20_000, T0 + 80_000, ABROAD),
        request(id, T0 + 60_000, { ...HOME, ip_prefix: `73.12.${k + 10}.0/24` }),
      ]),
      // A traveller joins the venue's wifi abroad during an answer: the stream, opened at home, closes abroad; the
      // phone's last request from home came 200 ms after the stream opened, then it calls from the venue.
      request('traveller', T0, HOME),
      request('traveller', T0 + 15_000, HOME),
      close('traveller', 's-moved', T0 + 20_000, T0 + 32_000, ABROAD),
      request('traveller', T0 + 20_200, HOME),
      request('traveller', T0 + 40_000, ABROAD),
      request('traveller', T0 + 50_000, ABROAD),
      request('h3', T0, { ...HOME, ip_prefix: '73.12.20.0/24' }),
      request('h3', T0 + 40_000, ABROAD),
      // A flatmate's phone replays the owner's token on the owner's own /24: only the device differs. The owner calls
      // every 20 s; the flatmate's 25-s chat streams open 5 s after each call, so every next call starts inside one.
      ...[0, 1, 2, 3].flatMap((k) => [
        request('flatmate', T0 + k * 20_000, HOME),
        { ...close('flatmate', `s-fm${k}`, T0 + 5_000 + k * 20_000, T0 + 30_000 + k * 20_000, HOME), ...FLATMATE },
      ]),
      request('flatmate', T0 + 80_000, HOME),
      // One phone on one network, and one whose app leaves the fingerprint at the placeholder on some calls: no candidates.
      ...[0, 1, 2, 3].flatMap((k) => [
        request('lone', T0 + k * 20_000, HOME),
        close('lone', `s-l${k}`, T0 + 5_000 + k * 20_000, T0 + 30_000 + k * 20_000, HOME),
      ]),
      // 12 relay users of another tenant: each call leaves from one of two operators' egress /24s in their country, a
      // stream keeping its egress while the next call takes the other (calls overlap across the two ASNs).
      ...Array.from({ length: 12 }, (_, u) =>
        [0, 1, 2, 3].flatMap((k) => [
          { ...request(`relay-${u}`, T0 + k * 20_000 + u * 300, k % 2 ? RELAY_A : RELAY_B), tenant_id: 'umbrella-health' },
          {
            ...close(`relay-${u}`, `s-r${u}-${k}`, T0 + 2_000 + k * 20_000 + u * 300, T0 + 27_000 + k * 20_000 + u * 300, k % 2 ? RELAY_B : RELAY_A),
            tenant_id: 'umbrella-health',
          },
        ]),
      ).flat(),
      ...[0, 1, 2, 3].flatMap((k) => [
        request('placeholder', T0 + k * 20_000, HOME),
        { ...close('placeholder', `s-p${k}`, T0 + 5_000 + k * 20_000, T0 + 30_000 + k * 20_000, HOME), device_fingerprint: '0000000000000000' },
      ]),
    ].map((e) => ('install_id' in e && e.install_id.startsWith('h') ? ({ ...e, tenant_id: 'initech-bank' } as GatewayEventInput) : e))
    const loaded = await eventLoader(store).load(
      events.sort((a, b) => Number(a.ts) - Number(b.ts)),
      T0 + 90_000,
    )
    expect(loaded.deadLetters).toBe(0)
  })
  afterAll(async () => {
    await store?.drop()
  })

  it('alerts on the owner calling while the thief stream from abroad is open, once home is used again after its report', async () => {
    const before = (await detectTokenReuse(store, S, T0 + 55_000)).find((r) => r.install_id === 'stolen')!
    expect(before.concurrent_uses).toBe(0)
    const rows = await detectTokenReuse(store, S, T0 + 85_000)
    const stolen = rows.find((r) => r.install_id === 'stolen')!
    expect(stolen.concurrent_uses).toBe(1)
    expect(stolen.first_concurrent_at).toBe(T0 + 30_000)
    expect(stolen.score).toBeGreaterThanOrEqual(50)
    expect(stolen.networks.map((x) => x.country).sort()).toEqual(['RO', 'US'])
  })

  it('does not alert on a handover there and back in one country, and counts a stream reported open then closed once', async () => {
    const rows = await detectTokenReuse(store, S, T0 + 60_000)
    const phone = rows.find((r) => r.install_id === 'phone')!
    expect(phone.events).toBe(4)
    expect(phone.concurrent_uses).toBe(0)
    expect(phone.score).toBeLessThan(50)
  })

  it('names a token seen from the /24 that two proven tokens of its tenant were replayed from', async () => {
    const rows = await detectTokenReuse(store, S, T0 + 85_000, { tenant: 'initech-bank' })
    expect(
      rows
        .filter((r) => r.score >= 50)
        .map((r) => r.install_id)
        .sort(),
    ).toEqual(['h1', 'h2', 'h3'])
    const h3 = rows.find((r) => r.install_id === 'h3')!
    expect(h3.concurrent_uses).toBe(0)
    expect(h3.reasons.at(-1)).toContain(`also used from ${ABROAD.ip_prefix}`)
    expect(h3.reasons.at(-1)).toContain('of the 3 installs seen from it in the last 15 min, 3 were also seen from another network')
  })

  it('does not take a stream that moved with a handover abroad for a second place: one change of country, no concurrent use', async () => {
    const rows = await detectTokenReuse(store, S, T0 + 60_000)
    const traveller = rows.find((r) => r.install_id === 'traveller')!
    expect(traveller.networks.map((x) => x.country).sort()).toEqual(['RO', 'US'])
    expect(traveller.concurrent_uses).toBe(0)
    expect(traveller.fast_country_changes).toBe(1)
    expect(traveller.score).toBeLessThan(50)
  })

  it('names a token used from two devices on one /24 (a flatmate), and reads one device, or a placeholder, as no candidate', async () => {
    const rows = await detectTokenReuse(store, S, T0 + 90_000)
    const flatmate = rows.find((r) => r.install_id === 'flatmate')!
    expect(flatmate.score).toBeGreaterThanOrEqual(50)
    expect(flatmate.reasons.join(' ')).toContain('2 devices on one network')
    expect(flatmate.networks.map((x) => x.device_model).sort()).toEqual(['Galaxy S23', 'Pixel 8'])
    expect(flatmate.networks.map((x) => x.device).sort()).toEqual(['9f86d081884c7d65', 'c3ab8ff13720e8ad'])
    expect(rows.map((r) => r.install_id)).not.toContain('lone')
    expect(rows.map((r) => r.install_id)).not.toContain('placeholder')
  })

  it('reads two networks that all of a tenant’s installs on either use together (a relay’s operators) as one path', async () => {
    const rows = await detectTokenReuse(store, S, T0 + 90_000, { tenant: 'umbrella-health' })
    const relay = rows.filter((r) => r.install_id.startsWith('relay-'))
    expect(relay).toHaveLength(12)
    expect(relay.every((r) => r.switches === 0 && r.score === 0)).toBe(true)
  })
})
