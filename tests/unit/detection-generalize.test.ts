import { describe, expect, it } from 'vitest'
import {
  bombingGroups,
  contextBaselines,
  cusumZ,
  isElevated,
  sequentialEvidence,
  type ContextBaseline,
  type InstallMinutes,
  type InstallTraits,
} from '../../lib/detection/bombing-sequential'
import { scoreCostAnomalies, type VersionMinute } from '../../lib/detection/cost-anomalies'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import type { FarmInstall } from '../../lib/detection/farm-clusters'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreTokenReuse, type NetEvent } from '../../lib/detection/token-reuse'

const MIN = 60_000
const chat: ContextBaseline = { mu: Math.log(900), sigma: 0.6, requests: 5000, median: 900, source: 'feature' }

/** Minutes of one install sending `perMinute` requests of `ctx` tokens each. */
function minutes(id: string, ctx: number, count: number, perMinute = 4): InstallMinutes {
  return {
    tenant_id: 't',
    feature: 'chat',
    install_id: id,
    minutes: Array.from({ length: count }, (_, i) => 1000 + i),
    requests: Array(count).fill(perMinute),
    prompt: Array(count).fill(ctx * perMinute),
  }
}

describe('prompt bombing: cumulative evidence', () => {
  it('a sustained install at 3x the median crosses the alert threshold within minutes; 1.5x never accumulates', () => {
    const at3 = sequentialEvidence(minutes('a', 2700, 5), chat)
    expect(cusumZ(at3.cusum)).toBeGreaterThan(S.zAlert)
    const at15 = sequentialEvidence(minutes('b', 1350, 30), chat)
    expect(at15.cusum).toBe(0)
    expect(isElevated(at15)).toBe(false)
  })

  it('one minute cannot alert alone (the window detector owns single bursts)', () => {
    const burst = sequentialEvidence(minutes('c', 50_000, 1, 10), chat)
    expect(cusumZ(burst.cusum)).toBeLessThan(S.zAlert)
    expect(isElevated(burst)).toBe(true)
  })

  it('baselines: a quiet feature gets a wider spread than its few requests show; a new one none', () => {
    const b = contextBaselines([
      { tenant_id: 't', feature: '', requests: 10_000, q: [900, 2500, 6000] },
      { tenant_id: 't', feature: 'quiet', requests: 30, q: [500, 560, 600] },
      { tenant_id: 't', feature: 'new', requests: 5, q: [500, 560, 600] },
    ])
    expect(b.get('t\u0000quiet')!.sigma).toBeGreaterThan(0.6)
    expect(b.has('t\u0000new')).toBe(false)
  })

  it('coordinated excess: 30 installs each at 2.5x form a group finding; 3 do not; a feature-wide shift is not bombing', () => {
    const at = (n: number) => Array.from({ length: n }, (_, i) => sequentialEvidence(minutes(`x${i}`, 2250, 10, 2), chat))
    const installs = new Map([['t\u0000chat', 1000]])
    const traits = new Map<string, InstallTraits>()
    const thirty = bombingGroups(at(30), traits, installs, S.zAlert)
    expect(thirty.find((g) => g.kind === 'feature_excess')!.score).toBeGreaterThanOrEqual(50)
    expect(bombingGroups(at(3), traits, installs, S.zAlert)).toHaveLength(0)
    const wide = bombingGroups(at(30), traits, new Map([['t\u0000chat', 60]]), S.zAlert)
    expect(wide.every((g) => g.score < 50)).toBe(true)
  })

  it('rotating ids that share a device fingerprint pool their evidence', () => {
    const ids = Array.from({ length: 4 }, (_, i) => sequentialEvidence(minutes(`r${i}`, 2700, 2), chat))
    for (const e of ids) expect(cusumZ(e.cusum)).toBeLessThan(S.zAlert)
    const traits = new Map(
      ids.map((e) => [
        `t\u0000${e.install_id}`,
        {
          install_id: e.install_id,
          app_version: '1',
          device_model: 'P',
          os_version: '14',
          device_fingerprint: 'abcdef0123456789',
          ip_prefix: `10.0.${e.install_id}.0/24`,
          asn: 1,
        },
      ]),
    )
    const g = bombingGroups(ids, traits, new Map([['t\u0000chat', 1000]]), S.zAlert)
    const fp = g.find((x) => x.trait === 'device_fingerprint')!
    expect(fp.score).toBeGreaterThanOrEqual(50)
    expect(fp.members.map((m) => m.install_id).sort()).toEqual(['r0', 'r1', 'r2', 'r3'])
  })
})

describe('token reuse', () => {
  const ev = (start: number, len: number, asn: number, country = 'US'): NetEvent => ({
    install_id: 'i',
    start_ms: start,
    end_ms: start + len,
    ip_prefix: `10.${asn % 250}.0.0/24`,
    asn,
    country,
  })
  it('interleaved, overlapping use from two networks alerts', () => {
    const events: NetEvent[] = []
    for (let k = 0; k < 10; k++) events.push(ev(k * 20_000, 1_000, 7922), ev(k * 20_000 + 5_000, 30_000, 9009, 'RO'))
    expect(
      scoreTokenReuse(
        't',
        events.sort((a, b) => a.start_ms - b.start_ms),
        S.zAlert,
      ).score,
    ).toBeGreaterThanOrEqual(50)
  })
  it('one wifi→cellular handover, even in the middle of a stream, does not', () => {
    const events = [ev(0, 1_000, 7922), ev(10_000, 40_000, 7922), ev(30_000, 1_000, 21928), ev(40_000, 1_000, 21928), ev(90_000, 20_000, 21928)]
    expect(scoreTokenReuse('t', events, S.zAlert).score).toBeLessThan(25)
  })
  it('a phone flapping between two networks without overlap does not', () => {
    const events = Array.from({ length: 8 }, (_, k) => ev(k * 60_000, 1_000, k % 2 ? 7922 : 21928))
    expect(scoreTokenReuse('t', events, S.zAlert).score).toBeLessThan(50)
  })
})

describe('farms that pass attestation', () => {
  const now = 100 * 60 * MIN
  const windowStart = now - S.farmWindowMinutes * MIN
  const base = (i: number, o: Partial<FarmInstall>): FarmInstall => ({
    tenant_id: 't',
    install_id: `n${i}`,
    first_seen: windowStart - 86_400_000,
    last_seen: now - MIN,
    app_version: '2.0',
    platform: i % 2 ? 'ios' : 'android',
    device_model: `M${i % 9}`,
    os_version: `${14 + (i % 3)}`,
    device_fingerprint: `fp${i}`,
    ip_prefix: `10.${i % 200}.${i % 7}.0/24`,
    asn: 7000 + (i % 4),
    country: 'US',
    cost_micros: 1000,
    attest_accepted: 4,
    attest_rejected: 0,
    suspicious_rejections: 0,
    span_minutes: 10,
    req_sum: 20,
    req_sq: (20 * 20) / 10 + 2 * 9,
    ...o,
  })
  const population = Array.from({ length: 400 }, (_, i) => base(i, {}))
  it('lockstep + one device build + one ASN is a farm even with every attestation accepted', () => {
    const farm = Array.from({ length: 30 }, (_, i) =>
      base(1000 + i, {
        install_id: `f${i}`,
        device_model: 'SM-A546B',
        os_version: '13',
        platform: 'android',
        ip_prefix: `159.203.${i % 6}.0/24`,
        asn: 14061,
        req_sum: 36,
        req_sq: 12 * 9,
        span_minutes: 12,
      }),
    )
    const clusters = clusterFarms([...population, ...farm], windowStart, S)
    expect(clusters[0]?.score).toBeGreaterThanOrEqual(50)
    expect(clusters[0].members.filter((m) => m.startsWith('f'))).toHaveLength(30)
  })
  it('a corporate NAT (one /24, diverse phones, human timing) and a QA lab are not', () => {
    const nat = Array.from({ length: 60 }, (_, i) =>
      base(2000 + i, {
        install_id: `nat${i}`,
        ip_prefix: '198.51.7.0/24',
        asn: 3356,
        first_seen: windowStart + 5 * MIN,
        span_minutes: 10,
        req_sum: 12,
        req_sq: 40,
      }),
    )
    const lab = Array.from({ length: 8 }, (_, i) =>
      base(3000 + i, { install_id: `qa${i}`, device_model: `QA${i}`, ip_prefix: '203.0.9.0/24', asn: 64500, first_seen: windowStart + 2 * MIN }),
    )
    expect(clusterFarms([...population, ...nat, ...lab], windowStart, S).filter((c) => c.score >= 50)).toHaveLength(0)
  })
})

describe('cost: a feature moving to a pricier model', () => {
  it('alerts on the feature although each model series looks normal', () => {
    const now = 400 * MIN
    const mins: VersionMinute[] = []
    for (let t = now - 120 * MIN; t < now; t += MIN) {
      const shifted = t >= now - 5 * MIN
      mins.push({
        tenant_id: 't',
        feature: 'chat',
        model: shifted ? 'gpt-4o' : 'gpt-4o-mini',
        app_version: '1',
        t,
        requests: 50,
        cost: 50 * (shifted ? 3000 : 180),
      })
    }
    const rows = scoreCostAnomalies(mins, [], now, S)
    const feature = rows.find((r) => r.subject === 't/chat' && r.kind === 'cost_per_request')!
    expect(feature.score).toBeGreaterThanOrEqual(50)
    expect(feature.reasons.join(' ')).toMatch(/model mix shifted: gpt-4o/)
  })
})

describe('streams still open (stream_progress)', () => {
  it('an open stream past the zombie threshold at almost no output counts as a zombie before it closes', async () => {
    const { mergeOpenStreams } = await import('../../lib/detection/stream-abuse')
    const stats: Parameters<typeof mergeOpenStreams>[0] = []
    const open = (id: string, elapsed: number, completion: number) => ({
      tenant_id: 't',
      install_id: 'z',
      stream_id: id,
      feature: 'chat',
      start_ms: 0,
      last_ms: elapsed,
      elapsed_ms: elapsed,
      context_tokens: 800,
      completion_tokens: completion,
    })
    mergeOpenStreams(stats, [open('a', 6 * MIN, 40), open('b', 7 * MIN, 90), open('c', 2 * MIN, 5), open('d', 8 * MIN, 9_000)], S)
    expect(stats).toHaveLength(1)
    expect(stats[0].zombie_streams).toBe(2) // c is too young, d streams fast
    expect(stats[0].max_concurrent).toBe(4)
  })

  it("an open stream's context counts as a request of its install", async () => {
    const { addOpenStreams } = await import('../../lib/detection/prompt-bombing')
    const usage: Parameters<typeof addOpenStreams>[0] = [
      {
        tenant_id: 't',
        feature: 'chat',
        install_id: 'b',
        active_minutes: 1,
        requests: 1,
        streams: 0,
        prompt_tokens: 900,
        completion_tokens: 300,
        cost_micros: 10,
        peak_tokens_per_minute: 1200,
        max_context_tokens: 900,
        max_completion_tokens: 300,
        peak_concurrency: 0,
      },
    ]
    addOpenStreams(
      usage,
      new Map([
        ['t\u0000chat\u0000b', { streams: 3, context: 300_000, maxContext: 120_000 }],
        ['t\u0000chat\u0000new', { streams: 1, context: 90_000, maxContext: 90_000 }],
      ]),
    )
    expect(usage[0]).toMatchObject({ requests: 4, prompt_tokens: 300_900, max_context_tokens: 120_000, peak_concurrency: 3 })
    expect(usage.find((u) => u.install_id === 'new')?.requests).toBe(1)
  })
})

describe('a release that grows every request is not bombing', () => {
  it("installs on a version whose median moved are judged against the version's median", async () => {
    const { rebased } = await import('../../lib/detection/bombing-sequential')
    const onRelease = sequentialEvidence(minutes('u', 2000, 15, 4), rebased(chat, 1900))
    expect(cusumZ(onRelease.cusum)).toBeLessThan(3)
    expect(isElevated(onRelease)).toBe(false)
    const bomberOnRelease = sequentialEvidence(minutes('b', 6000, 5, 4), rebased(chat, 1900))
    expect(cusumZ(bomberOnRelease.cusum)).toBeGreaterThan(S.zAlert)
    expect(rebased(chat, 1000)).toBe(chat) // a version within 1.5x of the feature keeps the feature's baseline
  })
})
