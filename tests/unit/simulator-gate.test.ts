import { describe, expect, it } from 'vitest'
import type { GatewayEventInput } from '../../lib/events/schema'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import type { Rule } from '../../lib/policy/types'
import { GatewaySimulator } from '../../lib/simulator'
import { EnforcedGenerator } from '../../lib/simulator/enforced'

/**
 * The simulated gateway judges a scenario's stream when it opens, not when it
 * is reported on close: a revocation turns the attacker's next tries into
 * denials at once and closes the streams it holds open.
 */
const START = Date.UTC(2026, 10, 2, 12, 0, 0)
const MIN = 60_000

function bomberRun() {
  const sim = new GatewaySimulator({
    seed: 11,
    installs: 300,
    ratePerSec: 2,
    scenarios: ['prompt_bomber'],
    startMs: START,
    scenarioSettings: { prompt_bomber: { offsetMs: 0, durationMs: 60 * MIN, installs: 2 } },
  })
  const enforcer = new PolicyEnforcer()
  const gen = new EnforcedGenerator(sim, enforcer)
  const bombers = sim
    .labels(true)
    .filter((l) => l.scenario === 'prompt_bomber')
    .map((l) => l.subject)
  const run = (from: number, to: number) => {
    const out: GatewayEventInput[] = []
    for (let t = from; t < to; t += 1_000) out.push(...gen.generate(t, t + 1_000))
    return out
  }
  const revoke = (installId: string, version: number) => {
    const rule: Rule = {
      key: `install:${installId}`,
      scope: 'install',
      subject: installId,
      controls: { revoked: true },
      until: null,
      reason: 'test',
      author: 'a',
      version,
      updatedAt: 0,
    }
    enforcer.applyChange(version, [{ key: rule.key, after: rule }])
  }
  return { sim, bombers, run, revoke }
}

const ofInstall = (events: GatewayEventInput[], id: string) => events.filter((e) => 'install_id' in e && e.install_id === id)

describe('simulated gateway in front of scenario streams', () => {
  it('denies a revoked bomber at its next try and closes the streams it holds open', () => {
    const { bombers, run, revoke } = bomberRun()
    const [target, other] = bombers
    // Ten minutes in, the bomber holds several long streams open.
    const before = run(START, START + 10 * MIN)
    expect(ofInstall(before, target).filter((e) => e.type === 'stream').length).toBeGreaterThan(3)
    const at = START + 10 * MIN
    revoke(target, 5)

    const after = ofInstall(run(at, at + 5 * MIN), target)
    const cut = after.filter((e) => e.type === 'stream')
    // Every stream open at the revocation closes in the first second, cut, and nothing is served later.
    expect(cut.length).toBeGreaterThan(0)
    for (const e of cut) {
      expect(e).toMatchObject({ end_reason: 'cut_by_policy' })
      expect(e.ts).toBeLessThan(at + 1_000)
    }
    const denials = after.filter((e) => e.type === 'policy_denial')
    expect(denials[0]).toMatchObject({ rule_kind: 'revoked', rule_id: `install:${target}`, policy_version: 5 })
    // The script retries within seconds, so the first denial is close to the revocation…
    expect((denials[0].ts as number) - at).toBeLessThan(5_000)
    // …then backs off: at most one try per slot every 15-30 s once it has been refused a few times.
    const lastMinute = denials.filter((e) => (e.ts as number) >= at + 4 * MIN)
    expect(lastMinute.length).toBeGreaterThan(0)
    expect(lastMinute.length).toBeLessThanOrEqual(4 * 4)
    for (const e of denials) expect(e.ts as number).toBeGreaterThanOrEqual(at)

    // The other bomber was not revoked: it keeps streaming.
    expect(ofInstall(run(at + 5 * MIN, at + 15 * MIN), other).some((e) => e.type === 'stream' && e.end_reason !== 'cut_by_policy')).toBe(true)
  })

  it('also closes the streams drawn before the gateway was attached (a live run revoked in its first minutes)', () => {
    const { bombers, run, revoke } = bomberRun()
    const [target] = bombers
    // Twenty seconds in, every slot still runs its first stream, drawn when the scenario was built, before the gate.
    run(START, START + 20_000)
    const at = START + 20_000
    revoke(target, 3)
    const after = ofInstall(run(at, at + 60_000), target)
    // Those streams end at once: none is served on (a stream the gateway had not judged is judged at its close).
    expect(after.filter((e) => e.type === 'stream' && e.end_reason !== 'cut_by_policy')).toHaveLength(0)
    const denials = after.filter((e) => e.type === 'policy_denial' && (e.ts as number) >= at)
    // Its slots retry within seconds and are refused: denials after the change, within the first minute.
    expect(denials.length).toBeGreaterThan(0)
    expect((denials[0].ts as number) - at).toBeLessThan(5_000)
  })

  it('reports each stream once, and the same run without a revocation has no denials from the scenario', () => {
    const { bombers, run } = bomberRun()
    const events = run(START, START + 20 * MIN)
    const ids = events.map((e) => e.event_id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of bombers) {
      const mine = ofInstall(events, id)
      expect(mine.some((e) => e.type === 'stream')).toBe(true)
      expect(mine.filter((e) => e.type === 'policy_denial' && e.rule_id === `install:${id}`)).toHaveLength(0)
    }
  })
})
