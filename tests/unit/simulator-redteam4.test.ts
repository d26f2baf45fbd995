import { describe, expect, it } from 'vitest'
import type { ScenarioName, ScenarioSettings } from '../../lib/simulator'
import type { RedTeam4Kind } from '../../lib/simulator/families-redteam4'
import { HISTORY, MIN, isCall as calls, playRedTeam, type AnyEvent as Any } from '../helpers/redteam-play'

/** Red team round 4 (families-redteam4.ts, redteam4-*.ts): each case's labels name what it sends. */
const START = Date.UTC(2026, 11, 6)

function play(scenario: ScenarioName, redteam: RedTeam4Kind, minutes = 15, s: ScenarioSettings = {}) {
  const r = playRedTeam(11, START, scenario, { redteam, ...s }, minutes)
  // Every labelled install calls inside its label's window.
  for (const l of r.installs)
    expect(
      r.mine.some((e) => calls(e) && e.install_id === l.subject && e.ts >= l.start_ms && e.ts < l.end_ms),
      `${redteam}: ${l.subject} calls in its window`,
    ).toBe(true)
  return { ...r, live: r.mine.filter((e) => e.ts >= START + HISTORY) }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const attackCalls = (r: { live: Any[] }) => r.live.filter(calls)

describe('red team round 4: attacks', () => {
  it('output-side bomber: short prompts, answers at the output cap, never a stream', () => {
    const r = play('prompt_bomber', 'rt4_bomb_output', 10, { tenant: 'acme-fitness', feature: 'summarize' })
    const own = attackCalls(r).filter((e) => e.feature === 'summarize' && e.completion_tokens >= 3_500)
    expect(r.ids.size).toBe(4)
    expect(own.length).toBeGreaterThan(60)
    expect(own.every((e) => e.type === 'llm_request' && e.context_tokens < 800 && e.completion_tokens <= 4_096)).toBe(true)
  })

  it('paced bomber: one call per install every 100-140 s, each at ~8x the chat median', () => {
    const r = play('prompt_bomber', 'rt4_bomb_paced', 20, { tenant: 'initech-bank' })
    for (const id of r.ids) {
      const own = attackCalls(r).filter((e) => e.install_id === id && e.context_tokens > 5_000)
      expect(own.length).toBeGreaterThanOrEqual(8)
      const starts = own.map((e) => e.ts - e.duration_ms).sort((a, b) => a - b)
      for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(99_000)
    }
  })

  it('aged farm: every member registered during the history, all wake in the first minute, one build', () => {
    const r = play('emulator_farm', 'rt4_farm_aged', 10, { tenant: 'globex-travel' })
    const members = r.labels.filter((l) => l.kind === 'install')
    expect(members.length).toBe(60)
    for (const l of members) {
      expect(r.mine.some((e) => e.install_id === l.subject && e.ts < START + HISTORY - 5 * MIN)).toBe(true)
      expect(l.start_ms).toBeLessThan(START + HISTORY + MIN)
    }
    expect(new Set(r.mine.map((e) => `${e.device_model} ${e.os_version}`)).size).toBe(1)
    expect(new Set(r.mine.map((e) => e.asn))).toEqual(new Set([51167]))
    expect(r.mine.filter((e) => e.type === 'attestation').every((e) => e.verdict === 'accepted')).toBe(true)
  })

  it('aged spread: every member registered during the history, all wake in the first minute, a /24 each, many builds', () => {
    const r = play('emulator_farm', 'rt4_farm_aged_spread', 10, { tenant: 'globex-travel' })
    const members = r.labels.filter((l) => l.kind === 'install')
    expect(members.length).toBe(60)
    for (const l of members) {
      expect(r.mine.some((e) => e.install_id === l.subject && e.ts < START + HISTORY - 5 * MIN)).toBe(true)
      expect(l.start_ms).toBeLessThan(START + HISTORY + MIN)
    }
    expect(new Set(r.mine.map((e) => `${e.device_model} ${e.os_version}`)).size).toBeGreaterThan(20)
    expect(new Set(r.mine.map((e) => e.ip_prefix)).size).toBe(60)
    expect(new Set(r.mine.map((e) => e.asn))).toEqual(new Set([51167]))
  })

  it('jittered lockstep: one identical request a minute per member, within ±15 s of the farm tick, 2 builds', () => {
    const r = play('emulator_farm', 'rt4_farm_jitter_lockstep', 12)
    const own = attackCalls(r)
    expect(new Set(own.map((e) => `${e.device_model} ${e.os_version}`)).size).toBeLessThanOrEqual(2)
    expect(own.every((e) => e.context_tokens >= 1_358 && e.context_tokens <= 1_442)).toBe(true)
    for (const id of r.ids) {
      const ts = own.filter((e) => e.install_id === id).map((e) => e.ts - e.latency_ms)
      for (let i = 1; i < ts.length; i++) expect(Math.abs(ts[i] - ts[i - 1] - MIN)).toBeLessThanOrEqual(31_000)
    }
    // Every member's call within ±15 s of the farm's tick: phases around their circular mean.
    const angles = own.map((e) => (2 * Math.PI * ((e.ts - e.latency_ms) % MIN)) / MIN)
    const mean = Math.atan2(
      angles.reduce((x, t) => x + Math.sin(t), 0),
      angles.reduce((x, t) => x + Math.cos(t), 0),
    )
    const off = angles.map((t) => (Math.atan2(Math.sin(t - mean), Math.cos(t - mean)) * MIN) / (2 * Math.PI))
    expect(Math.max(...off.map(Math.abs))).toBeLessThanOrEqual(18_000)
  })

  it('abandoned streams: each install one 40k-120k-token stream, client gone', () => {
    const r = play('stream_abuse', 'rt4_stream_abandoned')
    const huge = r.live.filter((e) => e.type === 'stream' && e.context_tokens >= 40_000)
    expect(r.ids.size).toBe(30)
    expect(new Set(huge.map((e) => e.install_id)).size).toBe(30)
    expect(huge.length).toBe(30)
    expect(huge.every((e) => e.end_reason === 'client_disconnect')).toBe(true)
  })

  it('token reuse on the owner carrier: one ASN, two /24s, overlapping streams', () => {
    const r = play('token_reuse', 'rt4_reuse_same_carrier')
    for (const id of r.ids) {
      const own = r.live.filter((e) => e.install_id === id && e.type === 'stream')
      expect(new Set(own.map((e) => e.asn)).size).toBe(1)
      expect(new Set(own.map((e) => e.ip_prefix)).size).toBe(2)
    }
  })

  it('token reuse from one /16: the thief calls from many /24s of it, on another carrier', () => {
    const r = play('token_reuse', 'rt4_reuse_hop16')
    for (const id of r.ids) {
      const own = attackCalls(r).filter((e) => e.install_id === id)
      const asns = new Set(own.map((e) => e.asn))
      expect(asns.size).toBe(2)
      const prefixes = new Set(own.map((e) => e.ip_prefix))
      expect(prefixes.size).toBeGreaterThan(10)
      expect(new Set([...prefixes].map((p) => p.split('.').slice(0, 2).join('.'))).size).toBeLessThanOrEqual(2)
    }
  })

  it('cost creep: chat context ~1x at the start, ~2x after an hour', () => {
    const r = play('cost_spike', 'rt4_cost_creep', 70)
    const label = r.labels[0]
    const [tenant, feature] = label.subject.split('/')
    const ctxAt = (a: number, b: number) =>
      median(r.events.filter((e) => calls(e) && e.tenant_id === tenant && e.feature === feature && e.ts >= a && e.ts < b).map((e) => e.context_tokens))
    const before = ctxAt(START, START + HISTORY)
    expect(ctxAt(START + HISTORY, START + HISTORY + 5 * MIN) / before).toBeLessThan(1.2)
    expect(ctxAt(START + HISTORY + 60 * MIN, START + HISTORY + 70 * MIN) / before).toBeGreaterThan(1.7)
  })

  it('cost creep: 2x the chat context is ~1.4x its cost per request, 3.3x is ~2x', () => {
    const costRatio = (s: ScenarioSettings) => {
      const r = play('cost_spike', 'rt4_cost_creep', 70, s)
      const [tenant, feature] = r.labels[0].subject.split('/')
      const mean = (a: number, b: number) => {
        const xs = r.events.filter((e) => calls(e) && e.tenant_id === tenant && e.feature === feature && e.ts >= a && e.ts < b)
        // The gateway sends no cost here: priced as ingest would, gpt-4o-mini's catalog prices per million tokens.
        expect(xs.every((e) => e.model === 'gpt-4o-mini')).toBe(true)
        return xs.reduce((x, e) => x + 0.15 * e.prompt_tokens + 0.6 * e.completion_tokens, 0) / xs.length
      }
      return mean(START + HISTORY + 60 * MIN, START + HISTORY + 70 * MIN) / mean(START, START + HISTORY)
    }
    const twice = costRatio({})
    expect(twice).toBeGreaterThan(1.25)
    expect(twice).toBeLessThan(1.55)
    const more = costRatio({ contextFactor: 3.3 })
    expect(more).toBeGreaterThan(1.8)
    expect(more).toBeLessThan(2.3)
  })

  it('volume x3: the feature has ~3x the calls, each of the usual size', () => {
    const r = play('cost_spike', 'rt4_cost_volume', 15, { tenant: 'acme-fitness', feature: 'summarize' })
    const sel = (a: number, b: number) =>
      r.events.filter((e) => calls(e) && e.tenant_id === 'acme-fitness' && e.feature === 'summarize' && e.ts >= a && e.ts < b)
    const before = sel(START + HISTORY - 15 * MIN, START + HISTORY)
    const after = sel(START + HISTORY, START + HISTORY + 15 * MIN)
    expect(after.length / before.length).toBeGreaterThan(2.5)
    const med = (xs: Any[]) => median(xs.map((e) => e.context_tokens))
    expect(med(after) / med(before)).toBeGreaterThan(0.85)
    expect(med(after) / med(before)).toBeLessThan(1.15)
  })
})

describe('red team round 4: look-alikes', () => {
  const lookAlike = (kind: RedTeam4Kind, s: ScenarioSettings = {}) => play('benign', kind, 30, { offsetMs: HISTORY, ...s })
  const inWindow = (e: Any, a: number, b: number) => e.ts >= START + a && e.ts < START + b

  it('holiday: ~2.5x the calls, same feature mix', () => {
    const r = lookAlike('rt4_benign_holiday')
    const before = r.events.filter((e) => calls(e) && inWindow(e, HISTORY - 15 * MIN, HISTORY))
    const during = r.events.filter((e) => calls(e) && inWindow(e, HISTORY, HISTORY + 15 * MIN))
    expect(during.length / before.length).toBeGreaterThan(2.1)
    expect(during.length / before.length).toBeLessThan(2.9)
    const share = (xs: Any[]) => xs.filter((e) => e.feature === 'chat_assistant').length / xs.length
    expect(Math.abs(share(during) - share(before))).toBeLessThan(0.03)
  })

  it('growing chat: context grows turn by turn within a session, never past 8k', () => {
    const r = lookAlike('rt4_benign_growing_chat', { tenant: 'acme-fitness' })
    expect(r.ids.size).toBe(30)
    const own = r.live.filter((e) => e.type === 'stream' && e.feature === 'chat_assistant').sort((a, b) => a.ts - b.ts)
    expect(own.every((e) => e.context_tokens <= 8_000)).toBe(true)
    let grows = 0
    for (const id of r.ids) {
      const xs = own.filter((e) => e.install_id === id && e.duration_ms < 200_000).map((e) => e.context_tokens)
      for (let i = 1; i < xs.length; i++) if (xs[i] > xs[i - 1]) grows++
    }
    expect(grows).toBeGreaterThan(100)
  })

  it('push to lapsed users: 200 installs of the tenant, 1-3 calls early in the history, silent 15+ min, then back', () => {
    const r = lookAlike('rt4_benign_push_dormant', { tenant: 'globex-travel' })
    expect(r.ids.size).toBe(200)
    for (const id of r.ids) {
      const own = r.mine.filter((e) => e.install_id === id && calls(e)).map((e) => e.ts)
      const before = own.filter((t) => t < START + HISTORY)
      expect(before.length).toBeGreaterThanOrEqual(1)
      expect(Math.max(...before)).toBeLessThan(START + HISTORY - 15 * MIN)
      expect(own.filter((t) => t >= START + HISTORY).length).toBeGreaterThanOrEqual(1)
    }
    expect(new Set(r.mine.map((e) => e.asn)).size).toBeGreaterThan(3)
  })

  it('new tenant: no event before the frame, 400 installs after', () => {
    const r = lookAlike('rt4_benign_new_tenant')
    const own = r.events.filter((e) => e.tenant_id === 'wayne-media')
    expect(own.every((e) => e.ts >= START + HISTORY)).toBe(true)
    expect(new Set(own.map((e) => e.install_id)).size).toBe(400)
  })

  it('cheaper default: the cheaper model only on the new version, and most chat calls there by the end', () => {
    const r = lookAlike('rt4_benign_cheaper_default', { tenant: 'initech-bank' })
    const release = r.labels[0].subject.split('/')[2]
    const chat = r.events.filter((e) => calls(e) && e.tenant_id === 'initech-bank' && e.feature === 'chat_assistant')
    expect(chat.filter((e) => e.model === 'gpt-4.1-mini').every((e) => e.app_version === release)).toBe(true)
    const late = chat.filter((e) => inWindow(e, HISTORY + 25 * MIN, HISTORY + 30 * MIN))
    expect(late.filter((e) => e.model === 'gpt-4.1-mini').length / late.length).toBeGreaterThan(0.5)
  })

  it('unplaced tenant: every event of the tenant ASN 0 / ZZ during the frame only', () => {
    const r = lookAlike('rt4_benign_unplaced_tenant', { tenant: 'globex-travel' })
    const own = r.events.filter((e) => e.tenant_id === 'globex-travel' && e.type !== 'policy_ack')
    expect(own.filter((e) => inWindow(e, HISTORY + 1_000, HISTORY + 30 * MIN)).every((e) => e.asn === 0 && e.country === 'ZZ')).toBe(true)
    expect(own.filter((e) => e.ts < START + HISTORY).some((e) => e.asn === 0)).toBe(false)
  })

  it('QA load test: staging bundle id, a release candidate, one office /24, every 10 s', () => {
    const r = lookAlike('rt4_benign_qa_load', { tenant: 'acme-fitness' })
    expect(r.ids.size).toBe(40)
    expect(new Set(r.mine.map((e) => e.app_id))).toEqual(new Set(['com.acme.fitness.staging']))
    expect(new Set(r.mine.map((e) => e.ip_prefix)).size).toBe(1)
    expect(r.mine.every((e) => /-rc\.1$/.test(e.app_version))).toBe(true)
    expect(attackCalls(r).length).toBeGreaterThan(40 * 80)
  })

  it('is deterministic', () => {
    const a = play('emulator_farm', 'rt4_farm_jitter_lockstep', 5)
    const b = play('emulator_farm', 'rt4_farm_jitter_lockstep', 5)
    expect(a.labels).toEqual(b.labels)
    expect(a.mine.map((e) => e.ts)).toEqual(b.mine.map((e) => e.ts))
  })
})
