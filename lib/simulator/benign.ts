import type { GroundTruthLabel } from './labels'
import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import type { Scenario, ScenarioContext } from './scenarios'
import { normalCall, normalVerdict, refreshToken } from './traffic'
import { MIN, frameOf, freshInstall, recruitFrom } from './family-frame'
import { featureLabel } from './scenario-frame'

/**
 * Benign look-alikes, labelled `benign` so scoring can tell an alert on them
 * from one on ordinary traffic. `kind` picks one; all must raise nothing.
 */
export function benign(ctx: ScenarioContext): Scenario {
  const f = frameOf('benign', ctx, 60 * MIN)
  const kind = f.s.kind ?? 'power_users'
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const tenant = f.tenant
  const actors: { inst: Install; perMinute: number; feature?: string; factor?: number }[] = []
  if (kind === 'power_users') {
    for (const inst of recruitFrom(ctx, tenant, 10, rng)) actors.push({ inst, perMinute: 6 + rng.int(10) })
  } else if (kind === 'corporate_nat') {
    const net = { ipPrefix: `198.51.${rng.int(200)}.0/24`, asn: 3356, country: 'US' }
    for (let i = 0; i < 80; i++)
      actors.push({
        inst: freshInstall(rng, tenant, known, net, { ...consumerDevice(rng, rng.chance(0.5) ? 'ios' : 'android'), fingerprint: rng.hex(32) }),
        perMinute: 0.3 + rng.next(),
      })
  } else if (kind === 'qa_lab') {
    const net = { ipPrefix: `203.0.${rng.int(200)}.0/24`, asn: 64500, country: 'US' }
    for (let i = 0; i < 8; i++)
      actors.push({
        inst: freshInstall(rng, tenant, known, net, { ...consumerDevice(rng, i % 2 ? 'ios' : 'android'), fingerprint: rng.hex(32) }),
        perMinute: 3,
      })
  } else if (kind === 'release_burst') {
    for (let i = 0; i < 300; i++) actors.push({ inst: freshInstall(rng, tenant, known), perMinute: 0.3 + rng.next() * 0.5 })
  } else if (kind === 'batch_feature') {
    for (const inst of recruitFrom(ctx, tenant, 6, rng)) actors.push({ inst, perMinute: 2, feature: 'batch_report', factor: 20 })
  } else if (kind === 'long_chats') {
    // One power user who keeps long conversations: every chat request about 2x the feature's median, all along.
    for (const inst of recruitFrom(ctx, tenant, 1, rng)) actors.push({ inst, perMinute: 5, feature: 'chat_assistant', factor: 2 })
  }
  // A long-document feature launched server-side: from the start, every user of the feature sends 3x the context.
  const launched = kind === 'feature_launch' ? (f.s.feature ?? 'summarize') : null
  const handovers: { inst: Install; at: number; to: { ipPrefix: string; asn: number }; done: boolean }[] = []
  if (kind === 'handover') {
    for (const inst of recruitFrom(ctx, tenant, 20, rng)) {
      actors.push({ inst, perMinute: 2 })
      handovers.push({ inst, at: f.start + rng.int(f.end - f.start), to: residentialNetwork(rng, inst.country), done: false })
    }
  }
  const labels: GroundTruthLabel[] = actors.map((a) => ({
    scenario: 'benign',
    kind: 'install',
    subject: a.inst.id,
    tenant_id: tenant.id,
    start_ms: f.start,
    end_ms: f.end,
    detail: { kind },
  }))
  // The launch is a change of the feature (a cost alert on it is right); no install is an attacker.
  if (launched) labels.push(featureLabel('benign', { ...f, tenant }, `${launched}/*`, { kind }))
  const joinAt = actors.map(() => f.start + (kind === 'release_burst' ? rng.int(5 * MIN) : rng.int(MIN)))
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels,
    hook:
      kind === 'token_expired'
        ? {
            appVersion: (_i, v) => v,
            contextFactor: () => 1,
            verdict: (_inst, ts) => (ts >= f.start && ts < f.end && rng.chance(0.35) ? ['token_expired'] : null),
          }
        : launched
          ? {
              appVersion: (_i, v) => v,
              contextFactor: (inst, name, _v, ts) => (inst.tenant === tenant && name === launched && ts >= f.start && ts < f.end ? 3 : 1),
            }
          : undefined,
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      actors.forEach((a, i) => {
        const from = Math.max(t0, joinAt[i])
        const to = Math.min(t1, f.end)
        if (to <= from) return
        const n = r.poisson((a.perMinute * (to - from)) / MIN)
        const spec = a.feature ? { name: a.feature, model: 'gemini-2.5-flash', weight: 1 } : tenant.features[r.int(tenant.features.length)]
        for (let k = 0; k < n; k++) {
          const ts = from + r.int(to - from)
          refreshToken(sink, r, a.inst, a.inst.appVersion, ts, normalVerdict, spec.name)
          normalCall(sink, r, a.inst, a.inst.appVersion, ts, spec, a.factor ?? 1)
        }
      })
      // The network handover: each phone leaves wifi for cellular once, for good.
      handovers.forEach((h) => {
        if (!h.done && t0 >= h.at) {
          Object.assign(h.inst, h.to)
          h.done = true
        }
      })
    },
  }
}
