import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readBaselines } from '../../lib/detection/bombing-baselines'
import { featureLevels } from '../../lib/detection/bombing-launch'
import { keptInstallMinutes } from '../../lib/detection/bombing-minutes'
import { cusumZ, detectSequentialBombing, SEQ_WINDOW_MINUTES, type SequentialResult } from '../../lib/detection/bombing-sequential'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { GatewayEventInput } from '../../lib/events/schema'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000

/** Deterministic draws, so the test sees the same traffic every run. */
function rng(seed: number) {
  let s = seed >>> 0
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  return { next, normal: () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()) }
}

/**
 * One tenant's summarize feature: 120 installs on 4 app versions with 100
 * minutes of ordinary requests (median 1,000 context tokens, σ 0.5 on the log
 * scale, 1 a minute), then 3 minutes in which install i sends `factor(i)`
 * times that, 2 requests a minute, installs 0-4 (heavy users) 4 a minute.
 * Three minutes in, the versions' medians over the 30-minute window have not
 * moved 1.5x yet (the release rebasing does not apply): only the launch
 * guard keeps the heavy users from alerting.
 */
function feature(tenant: string, now: number, factor: (i: number) => number): GatewayEventInput[] {
  const r = rng(tenant.length * 7919 + 17)
  const out: GatewayEventInput[] = []
  const request = (i: number, ts: number, x: number) => {
    const ctx = Math.round(1000 * x * Math.exp(0.5 * r.normal()))
    out.push(
      llmRequest({
        tenant_id: tenant,
        install_id: `${tenant}-${i}`,
        app_version: `1.${i % 4}.0`,
        device_fingerprint: `${tenant.length.toString(16)}f${i.toString(16)}`.padEnd(16, '0'),
        ip_prefix: `10.${i}.${tenant.length}.0/24`,
        feature: 'summarize',
        ts,
        prompt_tokens: ctx,
        context_tokens: ctx,
        completion_tokens: 100,
      }),
    )
  }
  for (let i = 0; i < 120; i++) {
    for (let ts = now - 100 * MIN + i * 400; ts < now - 3 * MIN; ts += MIN) request(i, ts, 1)
    for (let m = 3; m > 0; m--) for (let k = 0; k < (i < 5 ? 4 : 2); k++) request(i, now - m * MIN + k * 12_000 + i * 100, factor(i))
  }
  return out
}

/**
 * The launch guard of per-install evidence (bombing-launch.ts): when every
 * user of a feature sends 3x the context (a long-document feature launched
 * server-side), heavy users are not raised as sustained bombers one by one;
 * a bomber at 3x the new level still is; and when only a subset moved, the
 * rest of the feature holds the baseline and the subset is caught.
 */
describe('prompt bombing: a feature launched to every user', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let result: SequentialResult
  const now = Math.floor(Date.now() / MIN) * MIN - 5 * MIN
  const alerting = (tenant: string) =>
    result.evidence
      .filter((e) => e.tenant_id === tenant && cusumZ(e.cusum) >= S.zAlert)
      .map((e) => e.install_id)
      .sort()

  beforeAll(async () => {
    store = await testStore('bombing_launch')
    const loaded = await loadEvents(
      store,
      [
        // Every user at 3x; install 4 (heavy) at 9x (3x the new level).
        ...feature('launch', now, (i) => (i === 4 ? 9 : 3)),
        // 8 installs (the 5 heavy ones among them) at 3x, the rest unchanged.
        ...feature('subset', now, (i) => (i < 8 ? 3 : 1)),
      ],
      now,
    )
    expect(loaded.deadLetters).toBe(0)
    result = await detectSequentialBombing(store, S, now)
  }, 120_000)
  afterAll(async () => store?.drop())

  it('heavy users of a launched feature are judged against its new level; a bomber at 3x that level is still caught', () => {
    expect(alerting('launch')).toEqual(['launch-4'])
    const heavy = result.evidence.filter((e) => e.tenant_id === 'launch' && e.install_id === 'launch-0')
    for (const e of heavy) expect(e.baseline_source).toBe('current')
    expect(result.groups.filter((g) => g.tenant_id === 'launch' && g.score >= 50)).toEqual([])
  })

  it('an attack on a subset is not masked: the rest of the feature did not move', () => {
    const moved = Array.from({ length: 8 }, (_, i) => `subset-${i}`)
    // The heavy attackers (4 requests a minute at 3x for 3 minutes) alert; which of them cross z 6 by now is the draw's.
    expect(alerting('subset').filter((id) => moved.slice(0, 5).includes(id)).length).toBeGreaterThanOrEqual(3)
    expect(alerting('subset').every((id) => moved.includes(id))).toBe(true)
    for (const e of result.evidence.filter((e) => e.tenant_id === 'subset')) expect(e.baseline_source).not.toBe('current')
  })

  it('reads the rest of a feature from the kept install minutes as the engine computes it', async () => {
    const baselines = await readBaselines(store, now - SEQ_WINDOW_MINUTES * MIN, '', true)
    const froms = new Map([
      ['launch\u0000summarize', now - 3 * MIN],
      ['subset\u0000summarize', now - 2 * MIN],
    ])
    for (const exclude of [[], ['subset-0', 'subset-1', 'launch-4']]) {
      const engine = await featureLevels(store, baselines, froms, now, '', exclude)
      const kept = await featureLevels(store, baselines, froms, now, '', exclude, () => keptInstallMinutes(store, '', now))
      expect(engine.size).toBe(2)
      expect([...kept.keys()].sort()).toEqual([...engine.keys()].sort())
      for (const [k, e] of engine) {
        const got = kept.get(k)!
        expect([got.installs, got.requests]).toEqual([e.installs, e.requests])
        expect(got.q25).toBeCloseTo(e.q25, 12)
        expect(got.q50).toBeCloseTo(e.q50, 12)
      }
    }
  })
})
