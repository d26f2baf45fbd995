import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { consumerDevice } from './population'
import type { Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { normalCall, refreshToken } from './traffic'
import { farmMemberLabels } from './emulator-farm'
import { MIN, featureOf, freshInstall, type Frame } from './family-frame'
import type { RedTeamKind } from './families-redteam'

/** The red team's farms (families-redteam.ts): passing attestation with human-like timing, diverse builds, trickles, mixed verdicts. */
/** Cloud providers not used by the tuned farm scenario (emulator-farm.ts). */
const HOSTING = [
  { asn: 16276, country: 'FR', first: [51, 54, 141] }, // OVH
  { asn: 63949, country: 'US', first: [45, 139, 172] }, // Linode / Akamai
  { asn: 396982, country: 'US', first: [34, 35] }, // Google Cloud
]

interface Member {
  inst: Install
  createdAt: number
}

export function redTeamFarm(ctx: ScenarioContext, f: Frame, kind: RedTeamKind): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const diverse = kind === 'farm_diverse_trickle'
  const count = f.s.installs ?? (diverse ? 60 : kind === 'farm_mixed' ? 60 : 80)
  const providers = kind === 'farm_mixed' ? HOSTING.slice(0, 2) : [HOSTING[rng.int(HOSTING.length)]]
  const subnets = Array.from({ length: f.s.subnets ?? (diverse ? 40 : kind === 'farm_mixed' ? 6 : 20) }, (_, i) => {
    const p = providers[i % providers.length]
    return { asn: p.asn, country: p.country, ipPrefix: `${rng.pick(p.first)}.${rng.int(256)}.${rng.int(256)}.0/24` }
  })
  const images = Array.from({ length: kind === 'farm_mixed' ? 3 : 2 }, () => ({ fingerprint: rng.hex(32), ...consumerDevice(rng, 'android') }))
  const version = f.tenant.versions[f.tenant.versions.length - 1]
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const spread = diverse ? 12 * MIN : 3 * MIN
  const members: Member[] = []
  for (let n = 0; n < count; n++) {
    const net = rng.pick(subnets)
    // A diverse farm spoofs a different real-looking phone per install and randomizes its fingerprint.
    const device = diverse ? { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) } : rng.pick(images)
    const inst = freshInstall(rng, f.tenant, known, net, device)
    inst.appVersion = version
    members.push({ inst, createdAt: f.start + rng.int(spread) })
  }
  members.sort((a, b) => a.createdAt - b.createdAt)
  const verdict = (r: Rng): AttestationReason[] => (kind === 'farm_mixed' && r.chance(0.3) ? ['emulator'] : [])
  const cluster = `${f.tenant.id}:redteam-farm-${rng.hex(6)}`
  const labels: GroundTruthLabel[] = [
    { scenario: 'emulator_farm', kind: 'cluster', subject: cluster, tenant_id: f.tenant.id, start_ms: f.start, end_ms: f.end, detail: { installs: count } },
    ...farmMemberLabels(members, cluster, f.tenant.id, f.end),
  ]
  // Each member calls on its own Poisson clock (no lockstep), 1-3 calls a minute, normal-shaped requests.
  const rates = members.map(() => 1 + 2 * rng.next())
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      members.forEach((m, i) => {
        const from = Math.max(t0, m.createdAt)
        const to = Math.min(t1, f.end)
        if (to <= from) return
        if (m.createdAt >= t0 && m.createdAt < t1) refreshToken(sink, r, m.inst, version, m.createdAt, verdict, feature.name)
        const n = r.poisson((rates[i] * (to - from)) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = from + r.int(to - from)
          refreshToken(sink, r, m.inst, version, ts, verdict, feature.name)
          normalCall(sink, r, m.inst, version, ts, feature)
        }
      })
    },
  }
}
