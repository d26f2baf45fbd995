import type { ScenarioName } from './labels'
import type { Install } from './population'
import { consumerDevice, residentialNetwork } from './population'
import type { Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { PROGRESS_MS } from './slots'
import { providerOutage } from './benign-outage'
import { slowAnswerReaders, runStreams, type HeldStream } from './redteam-streams'
import { bytesFor, normalCall, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, frameOf, freshInstall, recruitFrom, type Frame } from './family-frame'
import { modelShiftOf } from './families'
import { redTeamFarm } from './redteam-farms'
import { installLabels } from './scenario-frame'
import { releaseScenario, type ReleaseKind } from './families-release'
import { priceScenario, type PriceKind } from './families-price'
import { redTeam3Scenario, type RedTeam3Kind } from './families-redteam3'
import { redTeam4Scenario, type RedTeam4Kind } from './families-redteam4'
import { redTeam5Scenario, type RedTeam5Kind } from './families-redteam5'
import { redTeam6Scenario, type RedTeam6Kind } from './families-redteam6'
import { redTeam7Scenario, type RedTeam7Kind } from './families-redteam7'
import { redTeam8Scenario, type RedTeam8Kind } from './families-redteam8'
import { redTeam9Scenario, type RedTeam9Kind } from './families-redteam9'
import { hugeRequestScenario, type HugeRequestKind } from './families-huge-requests'

/**
 * Held-out "red team" families for the non-bombing detectors, written from the
 * threat model (docs/events.md, /work/shared/background) before looking at how
 * the detectors score them. Each reuses a scenario name for its labels (so the
 * scoring treats it as that attack) and is picked by `redteam` in the settings.
 *
 * Farms: attestation-passing members with human-like (Poisson, not lockstep)
 * timing; spread over many /24s of hosting ASNs the tuned farm never used;
 * real-looking, diverse device builds; a slow trickle of new installs; mixed
 * pass/fail attestation. Cost: 30 % of one feature's calls moved to a pricier
 * model. Streams: one install holding many long streams at once; tiny prompts
 * with very long answers. Token reuse: a thief in the owner's country on another
 * carrier; one token replayed from many networks at once. Benign: a marketing
 * push (hundreds of new installs over 10 minutes), a carrier-grade NAT (hundreds
 * of existing installs of one tenant behind one /24, from the start of history),
 * commuters switching wifi ↔ cellular every 8-15 minutes, people whose answers
 * stream for minutes, two at once on a chat switch (redteam-streams.ts).
 */
export type RedTeamKind =
  | 'farm_jittered'
  | 'farm_diverse_trickle'
  | 'farm_mixed'
  | 'cost_mix_shift'
  | 'stream_concurrent'
  | 'stream_long_output'
  | 'reuse_same_country'
  | 'reuse_many_ips'
  | 'benign_marketing_push'
  | 'benign_cgnat'
  | 'benign_commuters'
  | 'benign_commuters_unplaced'
  | 'benign_slow_answers'
  | 'benign_provider_outage'
  | 'benign_country_launch'
  | ReleaseKind
  | PriceKind
  | RedTeam3Kind
  | RedTeam4Kind
  | RedTeam5Kind
  | RedTeam6Kind
  | RedTeam7Kind
  | RedTeam8Kind
  | RedTeam9Kind
  | HugeRequestKind

function streams(ctx: ScenarioContext, f: Frame, kind: RedTeamKind): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const abusers = recruitFrom(ctx, f.tenant, f.s.installs ?? 2, f.rng)
  const open: HeldStream[] = []
  const concurrent = kind === 'stream_concurrent'
  // Streams each abuser holds open at once (6; the half-intensity case 3).
  const atOnce = f.s.concurrent ?? 6
  const nextAt = abusers.map(() => f.start + f.rng.int(20_000))
  return {
    name: 'stream_abuse',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('stream_abuse', f, abusers, { feature: feature.name, kind }),
    tick(sink, rng, t0, t1) {
      runStreams(sink, open, t0, t1)
      if (t1 <= f.start || t0 >= f.end) return
      abusers.forEach((inst, i) => {
        // concurrent: keeps `atOnce` long answers (4-10 min) open at once; long output: 3 calls a minute, a ~60-token prompt, 6k-16k tokens out.
        while (nextAt[i] < t1) {
          const ts = Math.max(t0, nextAt[i])
          const busy = open.filter((o) => o.inst === inst).length
          if (concurrent && busy >= atOnce) {
            nextAt[i] = Math.max(ts + 1, Math.min(...open.filter((o) => o.inst === inst).map((o) => o.start + o.duration)) + rng.int(5_000))
            if (nextAt[i] < t1) continue
            break
          }
          const context = concurrent ? Math.round(rng.lognormal(p.ctx, p.ctxSigma)) : Math.round(rng.lognormal(60, 0.3))
          const completion = concurrent ? Math.round(rng.uniform(4_000, 9_000)) : Math.round(rng.uniform(6_000, 16_000))
          // Integer ms: the simulator sorts a tick's events by their ms.
          const duration = Math.round(concurrent ? rng.uniform(4 * MIN, 10 * MIN) : (completion / rng.uniform(50, 90)) * 1000)
          if (ts + duration <= f.end) {
            refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
            const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
            open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + PROGRESS_MS })
          }
          nextAt[i] = ts + 1 + (concurrent ? rng.int(10_000) : Math.round(rng.exponential(20_000)))
        }
      })
      runStreams(sink, open, t0, t1)
    },
  }
}

/**
 * A network of the install's country on another carrier (ASN) than its own, as the same-country thief's label says;
 * until 2026-12-05 it was any carrier of the country, and on seed 67 both thieves had landed on their owners' own
 * carriers (only the /24 differed: one network by the detector's design).
 */
function otherCarrier(rng: Rng, inst: Install): { asn: number; ipPrefix: string } {
  let net = residentialNetwork(rng, inst.country)
  for (let i = 0; i < 20 && net.asn === inst.asn; i++) net = residentialNetwork(rng, inst.country)
  return net
}

function reuse(ctx: ScenarioContext, f: Frame, kind: RedTeamKind): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const victims = recruitFrom(ctx, f.tenant, f.s.installs ?? (kind === 'reuse_many_ips' ? 1 : 2), f.rng)
  const abroad = ['DE', 'BR', 'IN', 'RO', 'VN', 'NG', 'US', 'GB', 'FR', 'ID']
  const thieves = victims.flatMap((v) =>
    kind === 'reuse_same_country'
      ? [{ ...v, ...otherCarrier(f.rng, v) }]
      : abroad.map((country) => ({
          ...v,
          country,
          asn: 200_000 + f.rng.int(9_999),
          ipPrefix: `${20 + f.rng.int(180)}.${f.rng.int(256)}.${f.rng.int(256)}.0/24`,
        })),
  )
  const perMinute = f.s.perMinute ?? (kind === 'reuse_many_ips' ? 1 : 2)
  return {
    name: 'token_reuse',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('token_reuse', f, victims, { feature: feature.name, kind }),
    tick(sink, rng, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      const a = Math.max(t0, f.start)
      const b = Math.min(t1, f.end)
      for (const inst of [...victims, ...thieves]) {
        const n = rng.poisson((perMinute * (b - a)) / MIN)
        for (let k = 0; k < n; k++) {
          const context = Math.round(rng.lognormal(p.ctx, p.ctxSigma))
          const completion = Math.round(rng.lognormal(p.out, p.outSigma))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          sink.request(inst, inst.appVersion, a + rng.int(Math.max(1, b - a)), u, 'served', 900)
        }
      }
    },
  }
}

/** A country none of the first tenant's users are in (tenant-templates.ts), with its carriers in population.ts. */
const LAUNCH_COUNTRY = 'JP'

function benignRedTeam(ctx: ScenarioContext, f: Frame, kind: RedTeamKind): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const actors: { inst: Install; perMinute: number; joinAt: number }[] = []
  const natted: Install[] = []
  type Network = { asn: number; ipPrefix: string; country?: string }
  const switches: { inst: Install; home: Network; cell: Network; next: number; onCell: boolean }[] = []
  if (kind === 'benign_marketing_push') {
    for (let i = 0; i < 400; i++) {
      const platform = rng.chance(0.5) ? 'ios' : 'android'
      const inst = freshInstall(rng, f.tenant, known, undefined, { ...consumerDevice(rng, platform), fingerprint: rng.hex(32) })
      inst.platform = platform
      actors.push({ inst, perMinute: 0.3 + rng.next(), joinAt: f.start + rng.int(10 * MIN) })
    }
  } else if (kind === 'benign_country_launch') {
    // The app launches in a country where the tenant had no users: 600 new installs over 15 minutes, on that
    // country's carriers, ordinary phones, the current release from the store, people trying it out.
    const country = LAUNCH_COUNTRY
    for (let i = 0; i < 600; i++) {
      const platform = rng.chance(0.6) ? 'ios' : 'android'
      const net = { ...residentialNetwork(rng, country), country }
      const inst = freshInstall(rng, f.tenant, known, net, { ...consumerDevice(rng, platform), fingerprint: rng.hex(32) })
      inst.platform = platform
      actors.push({ inst, perMinute: 0.3 + rng.next(), joinAt: f.start + rng.int(15 * MIN) })
    }
  } else if (kind === 'benign_cgnat') {
    // From the start of history: these installs were always behind the carrier's CGNAT /24.
    const net = residentialNetwork(rng, f.tenant.countries[0][0])
    const prefix = `100.${64 + rng.int(60)}.${rng.int(256)}.0/24`
    for (const inst of recruitFrom(ctx, f.tenant, 300, rng)) {
      Object.assign(inst, { asn: net.asn, ipPrefix: prefix })
      natted.push(inst)
    }
  } else {
    // Unplaced: the gateway's IP database misses the carrier's ranges, so its calls come with ASN 0 and country ZZ.
    const unplaced = kind === 'benign_commuters_unplaced'
    for (const inst of recruitFrom(ctx, f.tenant, 30, rng)) {
      const home = { asn: inst.asn, ipPrefix: inst.ipPrefix, country: inst.country }
      const carrier = residentialNetwork(rng, inst.country)
      const cell = unplaced ? { asn: 0, ipPrefix: carrier.ipPrefix, country: 'ZZ' } : carrier
      switches.push({ inst, home, cell, next: f.start + rng.int(10 * MIN), onCell: false })
      actors.push({ inst, perMinute: 1.5, joinAt: f.start })
    }
  }
  const labelled = kind === 'benign_cgnat' ? natted : actors.map((a) => a.inst)
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels('benign', f, labelled, { kind }),
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      for (const a of actors) {
        const from = Math.max(t0, a.joinAt)
        const to = Math.min(t1, f.end)
        if (to <= from) continue
        const n = r.poisson((a.perMinute * (to - from)) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = from + r.int(to - from)
          const spec = f.tenant.features[r.int(f.tenant.features.length)]
          refreshToken(sink, r, a.inst, a.inst.appVersion, ts, normalVerdict, spec.name)
          normalCall(sink, r, a.inst, a.inst.appVersion, ts, spec)
        }
      }
      // A commuter's phone leaves wifi for cellular (or back) between calls: never two networks at once. Switched at the
      // end of a tick, as the ordinary traffic of this tick (emitted before the scenarios) already used the old network.
      for (const s of switches)
        if (t1 > s.next) {
          s.onCell = !s.onCell
          Object.assign(s.inst, s.onCell ? s.cell : s.home)
          s.next = t1 + 8 * MIN + r.int(7 * MIN)
        }
    },
  }
}

export function redTeamScenario(name: ScenarioName, ctx: ScenarioContext, kind: RedTeamKind): Scenario {
  const f = frameOf(`redteam-${kind}`, ctx, 15 * MIN)
  if (kind.startsWith('rt3_')) return redTeam3Scenario(ctx, f, kind as RedTeam3Kind)
  if (kind.startsWith('rt4_')) return redTeam4Scenario(ctx, f, kind as RedTeam4Kind)
  if (kind.startsWith('rt5_')) return redTeam5Scenario(ctx, f, kind as RedTeam5Kind)
  if (kind.startsWith('rt6_')) return redTeam6Scenario(ctx, f, kind as RedTeam6Kind)
  if (kind.startsWith('rt7_')) return redTeam7Scenario(ctx, f, kind as RedTeam7Kind)
  if (kind.startsWith('rt8_')) return redTeam8Scenario(ctx, f, kind as RedTeam8Kind)
  if (kind.startsWith('rt9_')) return redTeam9Scenario(ctx, f, kind as RedTeam9Kind)
  if (kind.startsWith('huge_')) return hugeRequestScenario(ctx, f, kind as HugeRequestKind)
  if (kind.startsWith('farm_')) return redTeamFarm(ctx, f, kind)
  if (kind === 'cost_mix_shift') return modelShiftOf(ctx, f, 0.3)
  if (kind === 'cost_release_volume' || kind === 'benign_early_adopters') return releaseScenario(ctx, f, kind)
  if (kind === 'cost_price_change') return priceScenario(ctx, f)
  if (kind.startsWith('stream_')) return streams(ctx, f, kind)
  if (kind === 'benign_slow_answers') return slowAnswerReaders(ctx, f)
  if (kind === 'benign_provider_outage') return providerOutage(ctx, f)
  if (kind.startsWith('reuse_')) return reuse(ctx, f, kind)
  if (kind.startsWith('benign_')) return benignRedTeam(ctx, f, kind)
  throw new Error(`unknown red-team family ${kind} for ${name}`)
}
