import type { Install } from './population'
import { clamp } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, profileOf, type Usage } from './traffic'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 6 (families-redteam6.ts): token reuse, written from the threat model ("long-lived AI streams keep
 * auth valid longer; token theft/reuse") before the detectors were run on them. The thief never attests (only the
 * owner's genuine app can): it replays the token the owner's app keeps refreshing.
 *
 * - `rt6_reuse_vpn_streams`: 2 stolen tokens replayed through a commercial VPN abroad (M247, Romania; the exit /24
 *   changes every 8-12 minutes among 3), the thief streaming long chat answers (1,500-3,000 tokens at ~20 a
 *   second: 75-150 s each) about once a minute, while the owner keeps chatting at home (0.7 a minute): the two
 *   networks' streams overlap.
 * - `rt6_reuse_harvested_batch`: a malicious SDK harvested 6 users' tokens; one box in a hosting provider of the
 *   users' own country (Linode/Akamai, one /24) replays all 6, each at only 0.6 calls a minute (search_qa), while
 *   their owners go on using the app at home (0.5 a minute each, on top of their ordinary traffic).
 */
export type RedTeam6ReuseKind = 'rt6_reuse_vpn_streams' | 'rt6_reuse_harvested_batch'

const M247 = { asn: 9009, country: 'RO', first: [89, 185, 217] }
const LINODE = { asn: 63949, first: [45, 139, 172] }

interface Thief {
  owner: Install
  exit: Install
  exitUntil: number
  next: number
  ownerNext: number
}

function vpnStreams(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const owners = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, rng)
  const exits = Array.from({ length: 3 }, () => `${rng.pick(M247.first)}.${rng.int(256)}.${rng.int(256)}.0/24`)
  const thieves: Thief[] = owners.map((owner) => ({ owner, exit: owner, exitUntil: 0, next: f.start + rng.int(MIN), ownerNext: f.start + rng.int(MIN) }))
  const rate = f.s.perMinute ?? 1
  const detail = { feature: feature.name, kind: 'rt6_reuse_vpn_streams', thief_asn: String(M247.asn), thief_country: M247.country }
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    for (const t of thieves) {
      while (t.ownerNext < Math.min(t1, f.end)) {
        const ts = Math.max(t0, t.ownerNext)
        t.ownerNext = ts + 1 + Math.round(r.exponential(MIN / 0.7))
        sendCall(sink, r, open, t.owner, ts, feature, ordinarySize(r, feature), f.end)
      }
      poissonCalls(t, rate, r, t0, Math.min(t1, f.end), (ts) => {
        if (ts >= t.exitUntil) {
          t.exit = { ...t.owner, asn: M247.asn, country: M247.country, ipPrefix: r.pick(exits) }
          t.exitUntil = ts + 8 * MIN + r.int(4 * MIN)
        }
        const context = Math.round(r.lognormal(p.ctx, p.ctxSigma))
        const completion = Math.round(clamp(r.uniform(1_500, 3_000), 0, 4096))
        const duration = Math.round(800 + (completion / r.uniform(18, 24)) * 1000)
        if (ts + duration >= f.end) return
        const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
        open.push({ inst: t.exit, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
      })
    }
  })
}

function harvested(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === (f.s.feature ?? 'search_qa')) ?? featureOf(f)
  const owners = recruitFrom(ctx, f.tenant, f.s.installs ?? 6, rng)
  const box = `${rng.pick(LINODE.first)}.${rng.int(256)}.${rng.int(256)}.0/24`
  const country = f.tenant.countries[0][0]
  const thieves: Thief[] = owners.map((owner) => ({
    owner,
    exit: { ...owner, asn: LINODE.asn, country, ipPrefix: box },
    exitUntil: Infinity,
    next: f.start + rng.int(2 * MIN),
    ownerNext: f.start + rng.int(2 * MIN),
  }))
  const rate = f.s.perMinute ?? 0.6
  const detail = { feature: feature.name, kind: 'rt6_reuse_harvested_batch', thief_asn: String(LINODE.asn), thief_prefix: box }
  return installScenario('token_reuse', f, owners, detail, (sink, r, t0, t1, open) => {
    for (const t of thieves) {
      while (t.ownerNext < Math.min(t1, f.end)) {
        const ts = Math.max(t0, t.ownerNext)
        t.ownerNext = ts + 1 + Math.round(r.exponential(2 * MIN))
        const spec = r.chance(0.5) ? feature : f.tenant.features[r.int(f.tenant.features.length)]
        sendCall(sink, r, open, t.owner, ts, spec, ordinarySize(r, spec), f.end)
      }
      poissonCalls(t, rate, r, t0, Math.min(t1, f.end), (ts) => {
        sendCall(sink, r, open, t.exit, ts, feature, ordinarySize(r, feature), f.end, false)
      })
    }
  })
}

export function redTeam6Reuse(ctx: ScenarioContext, f: Frame, kind: RedTeam6ReuseKind): Scenario {
  return kind === 'rt6_reuse_vpn_streams' ? vpnStreams(ctx, f) : harvested(ctx, f)
}
