import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import type { FeatureSpec, Install, Platform } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { clamp, weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalCall, normalVerdict, profileOf, refreshToken, type EventSink, type Usage } from './traffic'
import { MIN, featureOf, freshInstall, recruitFrom, type Frame } from './family-frame'
import { farmLabels } from './emulator-farm'
import { installLabels } from './scenario-frame'
import { redTeam3Streams, type RedTeam3StreamKind } from './redteam3-streams'

/**
 * Red team, round 3 (issue #15): held-out variants written from the threat model
 * (/work/shared/background) and the event contract alone, before the detectors
 * were run on them and without reading the detectors' code. Each is something a
 * person looking at the data would call abuse, or clearly benign.
 *
 * Farms that pass attestation and call at human rates: only 16 members (one
 * image, one cloud ASN); 40 members on residential proxies of the tenant's own
 * country, one spoofed phone build; 30 members on an old app build nobody else
 * runs, diverse phones and networks. Bombing: a beta feature only 20 installs
 * use; 5 attackers on one /24 each rotating to a fresh id (and fingerprint) every
 * 3 min. Streams, token reuse and cost: redteam3-streams.ts. Benign: a school's
 * wifi at lesson start (200 phones on one /24, all opening the app in the same
 * minute); a TV-ad spike (2,000 new installs in 3 minutes).
 */
export type RedTeam3Kind =
  | 'rt3_farm_small'
  | 'rt3_farm_residential'
  | 'rt3_farm_old_build'
  | 'rt3_bomb_beta_feature'
  | 'rt3_bomb_subnet_rotation'
  | 'rt3_benign_school'
  | 'rt3_benign_tv_ad'
  | RedTeam3StreamKind

/** Hosting ASNs none of the earlier farm scenarios used. */
const DIGITALOCEAN = { asn: 14061, country: 'US', first: [159, 167, 204] }

interface Actor {
  inst: Install
  joinAt: number
  perMinute: number
  version: string
  feature?: FeatureSpec
}

const passing = (): AttestationReason[] => []

/** Human-rate calls: the first at the install's join (opening the app), then Poisson at its own rate. */
function humanCalls(sink: EventSink, r: Rng, f: Frame, actors: Actor[], t0: number, t1: number, verdict = normalVerdict): void {
  for (const a of actors) {
    const from = Math.max(t0, a.joinAt)
    const to = Math.min(t1, f.end)
    if (to <= from) continue
    const times: number[] = a.joinAt >= t0 && a.joinAt < t1 ? [a.joinAt] : []
    const n = r.poisson((a.perMinute * (to - from)) / MIN)
    for (let k = 0; k < n; k++) times.push(from + r.int(to - from))
    for (const ts of times) {
      const spec =
        a.feature ??
        weightedPick(
          r,
          f.tenant.features.map((x) => [x, x.weight] as const),
        )
      refreshToken(sink, r, a.inst, a.version, ts, verdict, spec.name)
      normalCall(sink, r, a.inst, a.version, ts, spec)
    }
  }
}

function farm(ctx: ScenarioContext, f: Frame, kind: RedTeam3Kind): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  const [major, minor] = latest.split('.').map(Number)
  // An old build no install of the tenant runs (a repackaged copy of a release the store no longer serves).
  const oldBuild = `${major}.${Math.max(0, minor - 4)}.0`
  const count = f.s.installs ?? (kind === 'rt3_farm_small' ? 16 : kind === 'rt3_farm_residential' ? 40 : 30)
  const image = { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) }
  const cloudNets = Array.from({ length: 2 }, () => ({
    asn: DIGITALOCEAN.asn,
    country: DIGITALOCEAN.country,
    ipPrefix: `${rng.pick(DIGITALOCEAN.first)}.${rng.int(256)}.${rng.int(256)}.0/24`,
  }))
  const home = f.tenant.countries[0][0]
  const spread = kind === 'rt3_farm_small' ? 3 * MIN : kind === 'rt3_farm_residential' ? 5 * MIN : 10 * MIN
  const members: (Actor & { createdAt: number })[] = []
  for (let n = 0; n < count; n++) {
    let inst: Install
    if (kind === 'rt3_farm_small') inst = freshInstall(rng, f.tenant, known, rng.pick(cloudNets), image)
    else if (kind === 'rt3_farm_residential')
      // Residential proxies of the tenant's main country: every member its own carrier /24, one spoofed phone build,
      // fingerprints randomized per install.
      inst = freshInstall(rng, f.tenant, known, { ...residentialNetwork(rng, home), country: home }, { ...image, fingerprint: rng.hex(32) })
    else {
      const country = weightedPick(rng, f.tenant.countries)
      const platform: Platform = 'android'
      inst = freshInstall(
        rng,
        f.tenant,
        known,
        { ...residentialNetwork(rng, country), country },
        { ...consumerDevice(rng, platform), fingerprint: rng.hex(32) },
      )
    }
    const version = kind === 'rt3_farm_old_build' ? oldBuild : latest
    inst.appVersion = version
    const createdAt = f.start + rng.int(spread)
    const perMinute = kind === 'rt3_farm_small' ? 1 + 2 * rng.next() : kind === 'rt3_farm_residential' ? 0.5 + 1.5 * rng.next() : 0.5 + rng.next()
    members.push({ inst, createdAt, joinAt: createdAt, perMinute, version, feature })
  }
  const cluster = `${f.tenant.id}:rt3-${kind}-${rng.hex(6)}`
  const labels = farmLabels(members, cluster, f, { installs: count, kind })
  return {
    name: 'emulator_farm',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      humanCalls(sink, r, f, members, t0, t1, passing)
    },
  }
}

/** The history this round's beta-feature case is given before its attack (tests/eval/families.ts HISTORY). */
const BETA_ATTACK_AFTER = 40 * MIN

function bombing(ctx: ScenarioContext, f: Frame, kind: RedTeam3Kind): Scenario {
  const beta = kind === 'rt3_bomb_beta_feature'
  // A beta feature only 20 testers use, on a model of the tenant's catalog; it has run since the start of history.
  const feature: FeatureSpec = beta ? { name: 'voice_notes', model: 'gpt-4o', weight: 0 } : featureOf(f)
  const p = profileOf(feature.name)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const attackFrom = beta ? f.start + BETA_ATTACK_AFTER : f.start
  const testers: Actor[] = beta
    ? recruitFrom(ctx, f.tenant, 20, f.rng).map((inst) => ({
        inst,
        joinAt: f.start + f.rng.int(MIN),
        perMinute: 0.3 + 0.7 * f.rng.next(),
        version: inst.appVersion,
        feature,
      }))
    : []
  const rotate = beta ? 0 : 3 * MIN
  // Rotation: 5 attackers behind one /24 (one home router or one proxy exit), each resetting its id and fingerprint.
  const home = f.tenant.countries[0][0]
  const net = { ...residentialNetwork(f.rng, home), country: home }
  const attackers = beta
    ? recruitFrom(ctx, f.tenant, 1, f.rng).map((inst) => [{ inst, from: attackFrom }])
    : Array.from({ length: 5 }, () => {
        const ids: { inst: Install; from: number }[] = []
        for (let t = f.start; t < f.end; t += rotate)
          ids.push({ inst: freshInstall(f.rng, f.tenant, known, net, { ...consumerDevice(f.rng, 'android'), fingerprint: f.rng.hex(32) }), from: t })
        return ids
      })
  const labels: GroundTruthLabel[] = attackers.flatMap((ids) =>
    ids.map((id) => ({
      scenario: 'prompt_bomber' as const,
      kind: 'install' as const,
      subject: id.inst.id,
      tenant_id: f.tenant.id,
      start_ms: id.from,
      end_ms: rotate ? Math.min(f.end, id.from + rotate) : f.end,
      detail: { feature: feature.name, kind },
    })),
  )
  const perMinute = 3
  return {
    name: 'prompt_bomber',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, rng, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      humanCalls(sink, rng, f, testers, t0, t1)
      const lo = Math.max(t0, attackFrom)
      const hi = Math.min(t1, f.end)
      if (hi <= lo) return
      for (const ids of attackers) {
        const n = rng.poisson((perMinute * (hi - lo)) / MIN)
        for (let k = 0; k < n; k++) {
          const ts = lo + rng.int(hi - lo)
          const id = [...ids].reverse().find((x) => x.from <= ts) ?? ids[0]
          // 3x the feature's median context, sizes ±0.25 log: plain requests, sizes seen when sent.
          const context = Math.round(p.ctx * 3 * Math.exp(rng.uniform(-0.25, 0.25)))
          const completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
          const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
          refreshToken(sink, rng, id.inst, id.inst.appVersion, ts, normalVerdict, feature.name)
          sink.request(id.inst, id.inst.appVersion, ts, u, 'served', 800 + completion * 10)
        }
      }
    },
  }
}

function benign(ctx: ScenarioContext, f: Frame, kind: RedTeam3Kind): Scenario {
  const rng = f.rng
  const actors: Actor[] = []
  const school = { ...residentialNetwork(rng, f.tenant.countries[0][0]), ipPrefix: `${rng.pick([128, 129, 130, 131])}.${rng.int(256)}.${rng.int(256)}.0/24` }
  const lessonEnd = f.start + 20 * MIN
  if (kind === 'rt3_benign_school') {
    // 200 pupils' own phones (existing installs) on the school's wifi since the morning (from the start of history, as
    // the carrier-grade NAT look-alike: no network switch in the case); at the bell the teacher says "open the app":
    // every phone calls within the lesson's first minute, then at a human rate until the lesson ends.
    for (const inst of recruitFrom(ctx, f.tenant, 200, rng)) {
      Object.assign(inst, { asn: school.asn, ipPrefix: school.ipPrefix })
      actors.push({ inst, joinAt: f.start + rng.int(MIN), perMinute: 0.5 + rng.next(), version: inst.appVersion })
    }
  } else {
    // A TV ad: 2,000 new installs in 3 minutes, the tenant's countries and platform mix, each phone its own.
    const known = new Set(ctx.pop.installs.map((i) => i.id))
    for (let i = 0; i < 2000; i++) {
      const country = weightedPick(rng, f.tenant.countries)
      const platform: Platform = rng.chance(f.tenant.iosShare) ? 'ios' : 'android'
      const inst = freshInstall(
        rng,
        f.tenant,
        known,
        { ...residentialNetwork(rng, country), country },
        { ...consumerDevice(rng, platform), fingerprint: rng.hex(32) },
      )
      inst.platform = platform
      actors.push({ inst, joinAt: f.start + rng.int(3 * MIN), perMinute: 0.2 + 0.8 * rng.next(), version: inst.appVersion })
    }
  }
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels: installLabels(
      'benign',
      f,
      actors.map((a) => a.inst),
      { kind },
    ),
    tick(sink, r, t0, t1) {
      if (t1 <= f.start || t0 >= f.end) return
      humanCalls(sink, r, kind === 'rt3_benign_school' ? { ...f, end: lessonEnd } : f, actors, t0, t1)
    },
  }
}

export function redTeam3Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam3Kind): Scenario {
  if (kind.startsWith('rt3_farm_')) return farm(ctx, f, kind)
  if (kind.startsWith('rt3_bomb_')) return bombing(ctx, f, kind)
  if (kind.startsWith('rt3_benign_')) return benign(ctx, f, kind)
  return redTeam3Streams(ctx, f, kind as RedTeam3StreamKind)
}
