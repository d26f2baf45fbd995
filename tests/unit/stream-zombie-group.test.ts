import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { scoreStreamAbuse, type StreamStats } from '../../lib/detection/stream-abuse'
import { zombieGroupSubject, zombieGroups, zombieHolders, zombieInstallRate } from '../../lib/detection/stream-zombie-group'
import { streamFindings } from '../../lib/detection/detect-all'

const install = (tenant: string, id: string, zombies = 0): StreamStats => ({
  tenant_id: tenant,
  install_id: id,
  streams: zombies + 4,
  max_duration_ms: zombies ? 25 * 60_000 : 9_000,
  median_duration_ms: 8_000,
  zombie_streams: zombies,
  client_disconnects: 0,
  disconnect_cost_micros: 0,
  cost_micros: 500,
  max_concurrent: 1,
})
/** `n` streaming installs of `tenant`, the first `holders` with one zombie each. */
const tenant = (name: string, n: number, holders: number) => Array.from({ length: n }, (_, i) => install(name, `${name}-${i}`, i < holders ? 1 : 0))

describe('zombie streams spread over installs (stream-zombie-group.ts)', () => {
  it('one zombie per install alerts nobody alone, but six of 300 installs at once is a group over the alert line (five just under it)', () => {
    const stats = tenant('acme', 300, 6)
    expect(scoreStreamAbuse(stats, S).every((r) => r.score < 50)).toBe(true)
    const [g] = zombieGroups(stats, S.zAlert)
    expect(g.install_id).toBe(zombieGroupSubject('acme'))
    expect(g.members).toHaveLength(6)
    expect(g.score).toBeGreaterThanOrEqual(50)
    expect(zombieGroups(tenant('acme', 300, 5), S.zAlert)[0].score).toBeLessThan(50)
    expect(g.reasons[0]).toMatch(/6 of 300 installs that streamed in the window each hold a zombie stream/)
  })

  it('a few zombies in a large tenant, as app bugs leave them, stay under the line; fewer than 3 raise no group at all', () => {
    expect(zombieGroups(tenant('acme', 3000, 4), S.zAlert)[0].score).toBeLessThan(25)
    expect(zombieGroups(tenant('acme', 50, 2), S.zAlert)).toEqual([])
    // A small tenant needs fewer: 4 of 50.
    expect(zombieGroups(tenant('tiny', 50, 4), S.zAlert)[0].score).toBeGreaterThanOrEqual(50)
    expect(zombieGroups(tenant('tiny', 50, 3), S.zAlert)[0].score).toBeLessThan(50)
    // The rate is the per-install rule's: one zombie alone is z 3.6, 1 − Φ(3.6).
    expect(zombieInstallRate(S.zAlert)).toBeCloseTo(1.6e-4, 6)
  })

  it('each tenant is judged on its own installs, and the reason names the holders’ app versions', () => {
    const stats = [...tenant('a', 300, 9), ...tenant('b', 300, 2)]
    expect(zombieHolders(stats).map((r) => r.tenant_id)).toEqual(Array(9).fill('a'))
    const versions = new Map(stats.slice(0, 9).map((r, i) => [`a\u0000${r.install_id}`, [i < 7 ? '4.2.0' : '4.1.9']]))
    const groups = zombieGroups(stats, S.zAlert, versions)
    expect(groups.map((g) => g.tenant_id)).toEqual(['a'])
    expect(groups[0].reasons[0]).toMatch(/their app versions: 4\.2\.0 \(7\), 4\.1\.9 \(2\)/)
  })

  it('becomes one cluster finding listing its members; install rows stay install findings', () => {
    const stats = tenant('acme', 300, 8)
    const rows = [...scoreStreamAbuse([...stats, { ...install('acme', 'double', 2) }], S), ...zombieGroups(stats, S.zAlert)]
    const findings = streamFindings(rows)
    const group = findings.find((f) => f.subject === zombieGroupSubject('acme'))!
    expect(group.subject_kind).toBe('cluster')
    expect((group.evidence as { members: string[] }).members).toHaveLength(8)
    expect(findings.find((f) => f.subject === 'double')?.subject_kind).toBe('install')
  })
})
