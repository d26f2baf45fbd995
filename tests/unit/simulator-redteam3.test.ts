import { describe, expect, it } from 'vitest'
import type { ScenarioName, ScenarioSettings } from '../../lib/simulator'
import type { RedTeamKind } from '../../lib/simulator/families-redteam'
import { HISTORY, MIN, isCall as calls, playRedTeam, type AnyEvent as Any } from '../helpers/redteam-play'

/** Red team round 3 (families-redteam3.ts, redteam3-streams.ts): each case sends what its label says. */
const START = Date.UTC(2026, 11, 5)

function play(scenario: ScenarioName, redteam: RedTeamKind, minutes = 15, s: ScenarioSettings = {}) {
  return playRedTeam(7, START, scenario, { redteam, ...s }, minutes)
}

describe('red team round 3 scenarios', () => {
  it('farms: new installs that pass attestation, on one build (residential) or an old version nobody else runs', () => {
    const res = play('emulator_farm', 'rt3_farm_residential')
    expect(res.ids.size).toBe(40)
    expect(res.mine.every((e) => e.ts >= START + HISTORY)).toBe(true)
    expect(res.mine.filter((e) => e.type === 'attestation').every((e) => e.verdict === 'accepted')).toBe(true)
    expect(new Set(res.mine.map((e) => `${e.device_model} ${e.os_version}`)).size).toBe(1)
    expect(new Set(res.mine.map((e) => e.device_fingerprint)).size).toBe(40)
    const old = play('emulator_farm', 'rt3_farm_old_build')
    const version = new Set(old.mine.map((e) => e.app_version))
    expect(version.size).toBe(1)
    const others = old.events.filter((e) => e.app_version && !old.ids.has(e.install_id))
    expect(others.some((e) => version.has(e.app_version))).toBe(false)
  })

  it('token used from a datacenter: after the theft every event of the install is on the hosting network', () => {
    const res = play('token_reuse', 'rt3_reuse_datacenter')
    const after = res.mine.filter((e) => e.ts >= START + HISTORY)
    const before = res.mine.filter((e) => e.ts < START + HISTORY)
    expect(after.length).toBeGreaterThan(50)
    expect(after.every((e) => [24940, 60781, 14061].includes(e.asn))).toBe(true)
    expect(before.some((e) => [24940, 60781, 14061].includes(e.asn))).toBe(false)
  })

  it('zombie trickle: streams open 15-30 min, just over 1 token a second', () => {
    const res = play('stream_abuse', 'rt3_zombie_trickle', 40)
    const closed = res.mine.filter((e) => e.type === 'stream' && e.duration_ms >= 15 * MIN)
    expect(closed.length).toBeGreaterThanOrEqual(6)
    for (const e of closed) expect((e.completion_tokens * 1000) / e.duration_ms).toBeGreaterThanOrEqual(0.99)
    for (const e of closed) expect((e.completion_tokens * 1000) / e.duration_ms).toBeLessThanOrEqual(1.41)
  })

  it('iOS-only release: only iPhones run the new version, and its chat context is larger', () => {
    const res = play('cost_spike', 'rt3_cost_ios_release', 20)
    const release = res.labels[0].subject.split('/')[2]
    const onRelease = res.events.filter((e) => e.app_version === release)
    expect(onRelease.length).toBeGreaterThan(100)
    expect(onRelease.every((e) => e.platform === 'ios')).toBe(true)
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const chat = (e: Any) => calls(e) && e.feature === 'chat_assistant' && e.tenant_id === res.labels[0].tenant_id && e.ts >= START + HISTORY
    const released = median(res.events.filter((e) => chat(e) && e.app_version === release).map((e) => e.context_tokens))
    const rest = median(res.events.filter((e) => chat(e) && e.app_version !== release).map((e) => e.context_tokens))
    expect(released / rest).toBeGreaterThan(2)
  })

  it("school: 200 phones of one /24, every one calling in the lesson's first minute", () => {
    const res = play('benign', 'rt3_benign_school', 30, { offsetMs: HISTORY })
    expect(res.ids.size).toBe(200)
    expect(new Set(res.mine.map((e) => e.ip_prefix)).size).toBe(1)
    const first = new Set(res.mine.filter((e) => calls(e) && e.ts >= START + HISTORY && e.ts < START + HISTORY + MIN).map((e) => e.install_id))
    expect(first.size).toBe(200)
  })

  it('is deterministic', () => {
    const a = play('prompt_bomber', 'rt3_bomb_subnet_rotation')
    const b = play('prompt_bomber', 'rt3_bomb_subnet_rotation')
    expect(a.labels).toEqual(b.labels)
    expect(a.mine.length).toBe(b.mine.length)
    expect(a.labels.length).toBe(25)
    expect(new Set(a.mine.map((e) => e.ip_prefix)).size).toBe(1)
  })
})
