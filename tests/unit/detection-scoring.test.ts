import { describe, expect, it } from 'vitest'
import { scoreCostAnomalies, type VersionMinute } from '../../lib/detection/cost-anomalies'
import { clusterFarms } from '../../lib/detection/emulator-farms'
import type { FarmInstall } from '../../lib/detection/farm-clusters'
import { combinedZ, scorePromptBombing } from '../../lib/detection/prompt-bombing'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreStreamAbuse } from '../../lib/detection/stream-abuse'

/** Deterministic pseudo-random in [0, 1). */
function rng(seed: number) {
  let x = seed >>> 0
  return () => (x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32
}

function usage(i: number, r: () => number, over: Partial<Record<string, number>> = {}) {
  const requests = 5 + Math.floor(r() * 10)
  const ctx = 900 * Math.exp((r() - 0.5) * 0.8)
  const out = 300 * Math.exp((r() - 0.5) * 0.6)
  return {
    tenant_id: 't',
    feature: 'chat',
    install_id: `i${i}`,
    active_minutes: 5 + Math.floor(r() * 8),
    requests,
    streams: requests,
    prompt_tokens: Math.round(requests * ctx),
    completion_tokens: Math.round(requests * out),
    cost_micros: requests * 500,
    peak_tokens_per_minute: Math.round(3 * (ctx + out)),
    max_context_tokens: Math.round(ctx * 1.5),
    max_completion_tokens: Math.round(out * 1.5),
    peak_concurrency: r() * 0.3,
    ...over,
  }
}

describe('prompt bombing scoring', () => {
  it('flags huge prompts and not heavy users with normal prompts', () => {
    const r = rng(1)
    const pop = Array.from({ length: 300 }, (_, i) => usage(i, r))
    // Power user: 30x the requests, normal sizes.
    pop.push(
      usage(1000, r, {
        requests: 300,
        prompt_tokens: 300 * 900,
        completion_tokens: 300 * 300,
        active_minutes: 15,
        peak_tokens_per_minute: 40_000,
        cost_micros: 150_000,
      }),
    )
    // Bomber: 20 requests of 100k context, 8k output, 4 streams at once.
    pop.push(
      usage(2000, r, {
        requests: 20,
        prompt_tokens: 2_000_000,
        completion_tokens: 160_000,
        active_minutes: 10,
        peak_tokens_per_minute: 500_000,
        max_context_tokens: 180_000,
        peak_concurrency: 4,
        cost_micros: 2_000_000,
      }),
    )
    const { rows, concentration } = scorePromptBombing(pop, S)
    const byId = new Map(rows.map((x) => [x.install_id, x]))
    expect(byId.get('i2000')!.severity).toBe('critical')
    expect(byId.get('i2000')!.reasons.join(' ')).toMatch(/context tokens/)
    expect(byId.get('i2000')!.suggested_quota.max_context_tokens).toBeLessThan(180_000)
    expect(byId.get('i1000')!.severity).toBeNull()
    expect(rows.filter((x) => x.severity !== null).map((x) => x.install_id)).toEqual(['i2000'])
    expect(concentration[0].top1pct_share).toBeGreaterThan(0.3)
  })

  it('volume alone never scores, size does, and volume amplifies size', () => {
    const z = (o: Partial<Record<string, number>>) =>
      combinedZ({ tokens_per_minute: 0, peak_tokens_per_minute: 0, context_tokens: 0, output_tokens: 0, concurrent_streams: 0, ...o })
    expect(z({ tokens_per_minute: 20 })).toBe(0)
    expect(z({ context_tokens: 7 })).toBe(7)
    expect(z({ context_tokens: 4, tokens_per_minute: 9 })).toBeCloseTo(6)
  })

  it('ignores a single request and discounts few requests', () => {
    const r = rng(2)
    const pop = Array.from({ length: 50 }, (_, i) => usage(i, r))
    pop.push(usage(99, r, { requests: 1, prompt_tokens: 200_000 }))
    // 3 requests 4x the median: an outlier on its own, not enough evidence in so few requests.
    pop.push(usage(98, r, { requests: 3, prompt_tokens: 3 * 3600 }))
    const rows = scorePromptBombing(pop, S).rows
    expect(rows.find((x) => x.install_id === 'i99')).toBeUndefined()
    expect(rows.find((x) => x.install_id === 'i98')!.severity).toBeNull()
  })
})

describe('stream abuse scoring', () => {
  const stream = (i: number, o: Partial<Record<string, number>> = {}) => ({
    tenant_id: 't',
    install_id: `s${i}`,
    streams: 3 + (i % 5),
    max_duration_ms: 9_000 + (i % 7) * 1000,
    median_duration_ms: 6_000 + (i % 9) * 500,
    zombie_streams: 0,
    client_disconnects: i % 30 === 0 ? 1 : 0,
    disconnect_cost_micros: i % 30 === 0 ? 200 : 0,
    cost_micros: 2000,
    max_concurrent: 1 + (i % 11 === 0 ? 1 : 0),
    ...o,
  })

  it('flags zombies and abandoned expensive streams, not a single timeout or disconnect', () => {
    const pop = Array.from({ length: 400 }, (_, i) => stream(i))
    pop.push(stream(1000, { zombie_streams: 3, max_duration_ms: 3_600_000 }))
    pop.push(stream(1001, { streams: 20, client_disconnects: 17, disconnect_cost_micros: 90_000 }))
    pop.push(stream(1002, { streams: 1, client_disconnects: 1, disconnect_cost_micros: 300, max_duration_ms: 65_000 }))
    const rows = scoreStreamAbuse(pop, S)
    const flagged = rows
      .filter((r) => r.severity !== null)
      .map((r) => r.install_id)
      .sort()
    expect(flagged).toEqual(['s1000', 's1001'])
    expect(rows.find((r) => r.install_id === 's1000')!.reasons[0]).toMatch(/zombie/)
  })

  it('compares installs only within a population big enough to be one; zombies count anywhere', () => {
    // Long, concurrent streams that alert among 400 installs…
    const heavy = { max_concurrent: 6, median_duration_ms: 240_000, max_duration_ms: 400_000 }
    const big = scoreStreamAbuse([...Array.from({ length: 400 }, (_, i) => stream(i)), stream(2000, heavy)], S)
    expect(big.find((r) => r.install_id === 's2000')!.severity).not.toBeNull()
    // …say nothing among the 4 installs of a small tenant: a QA phone testing long answers is not an outlier of 3 others.
    const small = scoreStreamAbuse([stream(1), stream(2), stream(3), stream(2000, heavy)], S)
    const row = small.find((r) => r.install_id === 's2000')!
    expect(row.score).toBe(0)
    expect(row.reasons.join(' ')).toMatch(/only 4 installs streamed in this tenant/)
    // Zombie streams are absolute: they alert in a small tenant too.
    const zombies = scoreStreamAbuse([stream(1), stream(2), stream(3), stream(3000, { zombie_streams: 3, max_duration_ms: 3_600_000 })], S)
    expect(zombies.find((r) => r.install_id === 's3000')!.severity).not.toBeNull()
  })
})

describe('emulator farm clustering', () => {
  const windowStart = 1_000_000
  const legit = (i: number): FarmInstall => ({
    tenant_id: 't',
    install_id: `n${i}`,
    first_seen: windowStart - 3_600_000,
    last_seen: windowStart + 600_000,
    app_version: `1.${i % 3}`,
    platform: i % 2 ? 'ios' : 'android',
    device_model: `M${i % 12}`,
    os_version: `${12 + (i % 4)}`,
    device_fingerprint: (i * 7919).toString(16).padStart(16, 'a'),
    ip_prefix: `10.${i % 250}.${Math.floor(i / 250)}.0/24`,
    asn: 7000 + (i % 5),
    country: 'US',
    cost_micros: 1000,
    attest_accepted: 4,
    attest_rejected: i % 40 === 0 ? 1 : 0,
    suspicious_rejections: i % 400 === 0 ? 1 : 0,
    // Poisson-like per-minute counts: variance ≈ mean.
    span_minutes: 10,
    req_sum: 20,
    req_sq: (20 * 20) / 10 + 2 * 9,
  })
  const member = (i: number, subnets: number, images: number): FarmInstall => ({
    tenant_id: 't',
    install_id: `f${i}`,
    first_seen: windowStart + 60_000 + (i % 3) * 60_000,
    last_seen: windowStart + 900_000,
    app_version: '1.2',
    platform: 'android',
    device_model: `EMU${i % images}`,
    os_version: '13',
    device_fingerprint: `beef${(i % images).toString(16).padStart(12, '0')}`,
    ip_prefix: `159.203.${i % subnets}.0/24`,
    asn: 14061,
    country: 'US',
    cost_micros: 800,
    attest_accepted: 2,
    attest_rejected: 4,
    suspicious_rejections: 4,
    // Lockstep: exactly 3 requests every minute.
    span_minutes: 12,
    req_sum: 36,
    req_sq: 12 * 9,
  })

  it('finds one farm with all its members and no legitimate installs', () => {
    const installs = [...Array.from({ length: 800 }, (_, i) => legit(i)), ...Array.from({ length: 60 }, (_, i) => member(i, 3, 4))]
    const clusters = clusterFarms(installs, windowStart, S).filter((c) => c.severity)
    expect(clusters).toHaveLength(1)
    expect(clusters[0].size).toBe(60)
    expect(clusters[0].members.every((m) => m.startsWith('f'))).toBe(true)
    expect(clusters[0].timing_dispersion).toBeLessThan(0.2)
    expect(clusters[0].shared_traits.some((t) => t.trait === 'asn_device' || t.trait === 'ip_prefix')).toBe(true)
  })

  it('still finds a farm spread over many subnets and images', () => {
    const installs = [...Array.from({ length: 800 }, (_, i) => legit(i)), ...Array.from({ length: 80 }, (_, i) => member(i, 40, 40))]
    const flagged = clusterFarms(installs, windowStart, S)
      .filter((c) => c.severity)
      .flatMap((c) => c.members)
    expect(flagged.filter((m) => m.startsWith('f')).length).toBeGreaterThanOrEqual(76)
    expect(flagged.filter((m) => m.startsWith('n'))).toEqual([])
  })

  it('legitimate traffic alone forms no cluster', () => {
    expect(
      clusterFarms(
        Array.from({ length: 800 }, (_, i) => legit(i)),
        windowStart,
        S,
      ).filter((c) => c.severity),
    ).toEqual([])
  })
})

describe('cost anomalies', () => {
  const now = 10 * 3_600_000
  function minutes(spikeVersion?: { version: string; factor: number; fromMin: number }): VersionMinute[] {
    const r = rng(3)
    const out: VersionMinute[] = []
    for (let m = 0; m < 120; m++) {
      const t = now - (120 - m) * 60_000
      for (const v of ['1.0', '1.1']) {
        const requests = 20 + Math.floor(r() * 10)
        out.push({ tenant_id: 't', feature: 'chat', model: 'm', app_version: v, t, requests, cost: Math.round(requests * 1000 * (0.9 + r() * 0.2)) })
      }
      if (spikeVersion && m >= spikeVersion.fromMin) {
        const requests = 15
        out.push({
          tenant_id: 't',
          feature: 'chat',
          model: 'm',
          app_version: spikeVersion.version,
          t,
          requests,
          cost: Math.round(requests * 1000 * spikeVersion.factor * (0.9 + r() * 0.2)),
        })
      }
    }
    return out
  }

  it('flags a release that doubles cost per request within its first minutes', () => {
    const rows = scoreCostAnomalies(minutes({ version: '1.2', factor: 2, fromMin: 117 }), [], now, S)
    const hit = rows.find((r) => r.subject === 't/chat/1.2')!
    expect(hit.severity).not.toBeNull()
    expect(hit.ratio).toBeGreaterThan(1.7)
    expect(hit.baseline.kind).toBe('recent_hours')
    expect(rows.filter((r) => r.severity).map((r) => r.subject)).toEqual(['t/chat/1.2'])
  })

  it('sees a release through a baseline inflated by a few heavy installs (median request lens)', () => {
    const data = minutes({ version: '1.2', factor: 2, fromMin: 116 }).map((m) => ({ ...m, median_context: m.app_version === '1.2' ? 2400 : 900 }))
    // Abusers on 1.1 double its mean cost per request; its median request is unchanged.
    for (const m of data) if (m.app_version === '1.1') m.cost *= 2
    const hit = scoreCostAnomalies(data, [], now, S).find((r) => r.subject === 't/chat/1.2')!
    expect(hit.ratio).toBeLessThan(S.costMinRatio) // the mean alone would not alert
    expect(hit.severity).not.toBeNull()
    expect(hit.typical_request!.ratio).toBeCloseTo(2400 / 900, 1)
    expect(hit.reasons.join(' ')).toMatch(/median request context/)
  })

  it('stays quiet on steady traffic and on a 20% change', () => {
    expect(scoreCostAnomalies(minutes(), [], now, S).filter((r) => r.severity)).toEqual([])
    expect(scoreCostAnomalies(minutes({ version: '1.2', factor: 1.2, fromMin: 100 }), [], now, S).filter((r) => r.severity)).toEqual([])
  })

  it('uses the same hour on previous days once there are two days of history', () => {
    const seasonal = [1, 2, 3].map((day) => ({ tenant_id: 't', feature: 'chat', model: 'm', day, requests: 240, cost: 240 * 1000 }))
    const rows = scoreCostAnomalies(minutes(), seasonal, now, S)
    const feature = rows.find((r) => r.subject === 't/chat' && r.kind === 'cost_per_request')!
    expect(feature.baseline.kind).toBe('seasonal')
    expect(rows.some((r) => r.kind === 'spend_rate')).toBe(true)
  })
})
