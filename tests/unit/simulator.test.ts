import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { attestationSchema, gatewayEventSchema, llmRequestSchema, policyDenialSchema, streamProgressSchema, streamSchema } from '../../lib/events/schema'
import { GatewaySimulator, SCENARIO_NAMES, writeLabels, type SimulatorOptions } from '../../lib/simulator'
import { parseScenarioList } from '../../lib/simulator/labels'

const MIN = 60_000
const START = Date.UTC(2026, 10, 20, 14, 0, 0)
// Attacks early so a short window covers all of them.
const EARLY: SimulatorOptions['scenarioSettings'] = {
  prompt_bomber: { offsetMs: 1 * MIN },
  stream_abuse: { offsetMs: 2 * MIN },
  emulator_farm: { offsetMs: 3 * MIN },
  cost_spike: { offsetMs: 4 * MIN },
}

type Any = Record<string, any>
const sim = (o: Partial<SimulatorOptions> = {}) =>
  new GatewaySimulator({ seed: 42, installs: 1_500, ratePerSec: 150, scenarios: [...SCENARIO_NAMES], startMs: START, scenarioSettings: EARLY, ...o })
const isCall = (e: Any) => e.type === 'llm_request' || e.type === 'stream'
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]

// Generated once, shared by the read-only assertions below.
const main = sim()
const tenMinutes = main.generate(START, START + 10 * MIN) as Any[]
const labels = main.labels()
const labelled = new Map(labels.filter((l) => l.kind === 'install').map((l) => [l.subject, l.scenario]))

describe('GatewaySimulator', () => {
  it('is deterministic for a seed, whatever the window sizes, and differs across seeds', () => {
    const a = sim().generate(START, START + 3 * MIN)
    const b = sim()
    const chunks: unknown[] = []
    for (let t = START, step = 137; t < START + 3 * MIN; t += step, step = ((step * 7) % 2_900) + 50) {
      chunks.push(...b.generate(t, Math.min(t + step, START + 3 * MIN)))
    }
    expect(JSON.stringify(chunks)).toBe(JSON.stringify(a))
    const c = sim({ seed: 43 }).generate(START, START + 3 * MIN)
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a))
  })

  it('produces unique event ids, time-ordered events, and only events inside the window', () => {
    const ids = new Set(tenMinutes.map((e) => e.event_id))
    expect(ids.size).toBe(tenMinutes.length)
    let unordered = 0
    for (let i = 1; i < tenMinutes.length; i++) if (tenMinutes[i].ts < tenMinutes[i - 1].ts) unordered++
    expect(unordered).toBe(0)
    expect(tenMinutes[0].ts).toBeGreaterThanOrEqual(START)
    expect(tenMinutes[tenMinutes.length - 1].ts).toBeLessThan(START + 10 * MIN)
  })

  it('emits only events that validate against the gateway contract', () => {
    const types = new Set<string>()
    for (const e of tenMinutes) {
      const parsed = gatewayEventSchema.safeParse(e)
      if (!parsed.success) throw new Error(`${JSON.stringify(e)}: ${parsed.error.message}`)
      types.add(e.type)
    }
    // stream_progress: reports of the scenarios' streams still open after 30 s (docs/events.md).
    expect([...types].sort()).toEqual(['attestation', 'llm_request', 'policy_denial', 'stream', 'stream_progress'])
  })

  it('never puts prompt or response text in an event: only contract fields', () => {
    const shapes: Record<string, object> = {
      llm_request: llmRequestSchema.shape,
      stream: streamSchema.shape,
      attestation: attestationSchema.shape,
      policy_denial: policyDenialSchema.shape,
      stream_progress: streamProgressSchema.shape,
    }
    const allowed = Object.fromEntries(Object.entries(shapes).map(([type, shape]) => [type, new Set(Object.keys(shape))]))
    const stray = new Set<string>()
    let longest = 0
    for (const e of tenMinutes) {
      for (const key in e) {
        if (!allowed[e.type].has(key)) stray.add(`${e.type}.${key}`)
        if (typeof e[key] === 'string') longest = Math.max(longest, e[key].length)
      }
    }
    expect([...stray]).toEqual([])
    expect(longest).toBeLessThanOrEqual(64) // ids and labels only, nothing text-sized
  })

  it('hits the target rate with a flat load, and follows the diurnal curve otherwise', () => {
    const flat = sim({ scenarios: [], diurnalAmplitude: 0, ratePerSec: 400 }).generate(START, START + 5 * MIN)
    expect(flat.length / 300).toBeGreaterThan(400 * 0.8)
    expect(flat.length / 300).toBeLessThan(400 * 1.2)

    const night = START - 8 * 3_600_000
    const s = sim({ scenarios: [], ratePerSec: 400 })
    const events = s.generate(night, night + 5 * MIN).length
    const expected = (s.rateAt(night) + s.rateAt(night + 5 * MIN)) / 2
    expect(Math.abs(events / 300 - expected) / expected).toBeLessThan(0.2)
    expect(s.rateAt(START + 4 * 3_600_000)).toBeGreaterThan(s.rateAt(night) * 1.15) // evening vs early morning (UTC-heavy mix)
  })

  it('keeps legitimate attestation rejections near 1%, mostly expired tokens', () => {
    const normal = tenMinutes.filter((e) => e.type === 'attestation' && !labelled.has(e.install_id))
    const rejected = normal.filter((e) => e.verdict === 'rejected')
    expect(rejected.length / normal.length).toBeLessThan(0.03)
    expect(rejected.length).toBeGreaterThan(0)
  })

  it('makes prompt bombers send contexts far beyond the normal p99', () => {
    const bombers = labels.filter((l) => l.scenario === 'prompt_bomber').map((l) => l.subject)
    expect(bombers.length).toBeGreaterThanOrEqual(3)
    const normalCtx = tenMinutes.filter((e) => isCall(e) && !labelled.has(e.install_id)).map((e) => e.context_tokens)
    const p99 = quantile(normalCtx, 0.99)
    for (const id of bombers) {
      const huge = tenMinutes.filter((e) => e.install_id === id && isCall(e) && e.context_tokens >= 50_000)
      expect(huge.length).toBeGreaterThan(0)
      expect(
        quantile(
          huge.map((e) => e.context_tokens),
          0.5,
        ),
      ).toBeGreaterThan(10 * p99)
      for (const e of huge) expect(e.prompt_bytes).toBeGreaterThan(3 * e.context_tokens)
    }
  })

  it('builds an emulator farm of new installs sharing fingerprints and hosting subnets, mostly rejected', () => {
    const population = new Set(main.population.installs.map((i) => i.id))
    const farm = tenMinutes.filter((e) => labelled.get(e.install_id) === 'emulator_farm')
    const installs = new Set(farm.map((e) => e.install_id))
    expect(installs.size).toBeGreaterThanOrEqual(150)
    for (const id of installs) expect(population.has(id)).toBe(false)
    expect(new Set(farm.map((e) => e.device_fingerprint)).size).toBeLessThanOrEqual(8)
    expect(new Set(farm.map((e) => e.ip_prefix)).size).toBeLessThanOrEqual(3)
    expect(new Set(farm.map((e) => e.asn)).size).toBeLessThanOrEqual(2)
    const att = farm.filter((e) => e.type === 'attestation')
    const rejected = att.filter((e) => e.verdict === 'rejected')
    expect(rejected.length / att.length).toBeGreaterThan(0.4)
    expect(rejected.every((e) => e.reasons.some((r: string) => r === 'emulator' || r === 'hooking_framework'))).toBe(true)
    // Lockstep: one second holds a request from most members.
    const perSecond = new Map<number, number>()
    for (const e of farm) if (e.type === 'llm_request') perSecond.set(Math.floor(e.ts / 1000), (perSecond.get(Math.floor(e.ts / 1000)) ?? 0) + 1)
    expect(Math.max(...perSecond.values())).toBeGreaterThan(installs.size * 0.9)
  })

  it('lets the farm spread over more subnets and run at twice the rate', () => {
    const settings = { emulator_farm: { offsetMs: 0, subnets: 12, asns: 3, installs: 200 } }
    const count = (s: GatewaySimulator) => {
      const events = s.generate(START, START + 5 * MIN)
      const members = new Set(s.labels().map((l) => l.subject))
      return events.filter((e) => e.type === 'llm_request' && members.has(e.install_id))
    }
    const base = count(sim({ scenarios: ['emulator_farm'], scenarioSettings: settings }))
    const fast = count(sim({ scenarios: ['emulator_farm'], scenarioSettings: { emulator_farm: { ...settings.emulator_farm, intensity: 2 } } }))
    expect(new Set(base.map((e) => (e as Any).ip_prefix)).size).toBe(12)
    expect(new Set(base.map((e) => (e as Any).asn)).size).toBe(3)
    expect(fast.length / base.length).toBeGreaterThan(1.7)
    expect(fast.length / base.length).toBeLessThan(2.3)
  })

  it('labels every attacker install and the cost-spike release', () => {
    const population = new Set(main.population.installs.map((i) => i.id))
    const attackers = new Set<string>()
    for (const e of tenMinutes) {
      if (!population.has(e.install_id)) attackers.add(e.install_id) // farm members
      if (isCall(e) && e.context_tokens >= 50_000) attackers.add(e.install_id) // bombers
      if (e.type === 'stream' && e.duration_ms >= 30 * MIN) attackers.add(e.install_id) // zombie streams
    }
    expect(attackers.size).toBeGreaterThan(150)
    for (const id of attackers) expect(labelled.has(id)).toBe(true)
    for (const name of ['prompt_bomber', 'stream_abuse', 'emulator_farm'] as const) {
      expect(labels.filter((l) => l.scenario === name && l.kind === 'install').length).toBeGreaterThan(0)
    }
    const spike = labels.find((l) => l.kind === 'feature')!
    const [tenant, feature, version] = spike.subject.split('/')
    const calls = tenMinutes.filter(
      (e) => isCall(e) && e.tenant_id === tenant && e.feature === feature && e.ts >= spike.start_ms && e.outcome !== 'upstream_error',
    )
    const mean = (xs: Any[]) => xs.reduce((s, e) => s + e.context_tokens, 0) / xs.length
    const upgraded = calls.filter((e) => e.app_version === version)
    expect(upgraded.length).toBeGreaterThan(10)
    expect(mean(upgraded) / mean(calls.filter((e) => e.app_version !== version))).toBeGreaterThan(1.8)
    expect(labels.find((l) => l.kind === 'cluster')?.scenario).toBe('emulator_farm')
  })

  it('shows zombie streams and heavy abandoned streams for stream abusers', () => {
    const abuse = tenMinutes.filter((e) => labelled.get(e.install_id) === 'stream_abuse' && e.type === 'stream')
    expect(abuse.some((e) => e.duration_ms >= 30 * MIN && e.completion_tokens < 500)).toBe(true)
    expect(abuse.some((e) => e.end_reason === 'client_disconnect' && e.completion_tokens >= 3_000)).toBe(true)
  })

  it('writes labels as JSON lines and rejects unknown scenario names', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'labels-')), 'nested', 'labels.jsonl')
    writeLabels(path, labels)
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toEqual(labels)
    expect(parseScenarioList('cost_spike, prompt_bomber')).toEqual(['cost_spike', 'prompt_bomber'])
    expect(() => parseScenarioList('prompt_bomber,nope')).toThrow(/nope/)
  })
})
