import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resetInstallMinutes } from '../../lib/detection/bombing-minutes'
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
 * Numbers to 10 significant digits: the incremental run takes the install's own past from the minutes it keeps
 * (install-history.ts), the full one from SQL, so sums are added in another order and differ in the last bits.
 */
const roundDeep = <T>(v: T): T =>
  typeof v === 'number'
    ? (Number(v.toPrecision(10)) as T)
    : Array.isArray(v)
      ? (v.map(roundDeep) as T)
      : v && typeof v === 'object'
        ? (Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundDeep(x)])) as T)
        : v

/** Everything but the order and the last bits of a float: the evidence sorted by install, the groups by subject. */
const canonical = (r: SequentialResult) =>
  roundDeep({
    evidence: [...r.evidence].sort((a, b) => `${a.feature}${a.install_id}`.localeCompare(`${b.feature}${b.install_id}`)),
    groups: [...r.groups]
      .sort((a, b) => a.subject.localeCompare(b.subject))
      .map((g) => ({ ...g, members: [...g.members].sort((a, b) => a.install_id.localeCompare(b.install_id)) })),
  })

/**
 * The sequential test keeps its install minutes and baselines between runs
 * (bombing-minutes.ts, readBaselines): run after run, as events arrive
 * (some late, into a minute already read), its result must equal a full
 * recomputation from the store.
 */
describe('prompt bombing: incremental CUSUM state', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  const runs: { incremental: SequentialResult; full: SequentialResult }[] = []

  beforeAll(async () => {
    store = await testStore('bombing_incremental')
    const end = Math.floor(Date.now() / MIN) * MIN - 5 * MIN
    const r = rng(7)
    const events: GatewayEventInput[] = []
    for (let i = 0; i < 80; i++) {
      const bomber = i < 6
      for (let ts = end - 100 * MIN + i * 700; ts < end; ts += (bomber && ts > end - 15 * MIN ? 0.25 : 1) * MIN) {
        const ctx = Math.round(900 * (bomber && ts > end - 15 * MIN ? 3 : 1) * Math.exp(0.6 * r.normal()))
        events.push(
          llmRequest({
            tenant_id: 'inc',
            install_id: `inc-${i}`,
            app_version: `2.${i % 5}.0`,
            device_fingerprint: (i < 3 ? 'abc' : `f${i.toString(16)}`).padEnd(16, '0'),
            feature: i % 4 === 0 ? 'translate' : 'chat_assistant',
            ts,
            prompt_tokens: ctx,
            context_tokens: ctx,
          }),
        )
      }
    }
    // Everything before the first run at once; then 30-second steps, each with a late event into a minute read before.
    const first = end - 12 * MIN
    await loadEvents(
      store,
      events.filter((e) => Number(e.ts) < first),
      first,
    )
    resetInstallMinutes()
    for (let now = first; now <= end; now += 60_000) {
      const batch = events.filter((e) => Number(e.ts) >= now - 60_000 && Number(e.ts) < now && now > first)
      const late = llmRequest({
        tenant_id: 'inc',
        install_id: 'inc-1',
        app_version: '2.1.0',
        device_fingerprint: 'abc'.padEnd(16, '0'),
        feature: 'chat_assistant',
        ts: now - 4 * MIN,
        prompt_tokens: 2700,
        context_tokens: 2700,
      })
      await loadEvents(store, [...batch, late], now)
      runs.push({
        incremental: await detectSequentialBombing(store, S, now),
        full: await detectSequentialBombing(store, S, now, { incremental: false }),
      })
    }
  }, 300_000)
  afterAll(async () => store?.drop())

  it('every run equals a full recomputation, and the attack is in it', () => {
    expect(runs.length).toBeGreaterThan(10)
    for (const r of runs) expect(canonical(r.incremental)).toEqual(canonical(r.full))
    const last = runs[runs.length - 1].full
    expect(last.evidence.filter((e) => e.install_id < 'inc-6' && e.install_id.length === 5).length).toBeGreaterThan(0)
  })
})
