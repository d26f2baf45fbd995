import type { AttestationReason } from '../events/schema'
import type { Install } from './population'
import { shuffle, weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { normalVerdict, refreshToken } from './traffic'
import { MIN, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import { subnetsOf, type Host } from './redteam8-calls'

/**
 * Red team, round 8 (families-redteam8.ts): look-alikes of people and their networks, written from the threat model
 * before the detectors were run on them. None is abuse.
 *
 * - `rt8_benign_private_relay` (all along): 120 of the fitness app's iPhone users have iCloud Private Relay on. Every
 *   connection of theirs leaves through one of the relay's egress /24s for their own country, run by two operators
 *   (Cloudflare and Akamai: 3 /24s each per country, shared by every relay user there), and the egress changes every
 *   half minute or so; a stream keeps the egress it opened on while the next call takes another. The country is
 *   always the user's own. They use the app at 0.5-1.5 calls a minute on top of their ordinary use, and have done so
 *   since the start of the history. (One install on two ASNs and several /24s in the same minute, as a stolen token
 *   looks; many installs on a few /24s of big networks, as a farm looks; but one phone, one country, Apple's relay.)
 * - `rt8_benign_clock_skew`: one mobile carrier's network time push goes wrong: for 12 minutes (from the frame's 8th)
 *   every Android phone of the travel app's users on that carrier (the carrier with the most of them)
 *   runs 2 hours fast, so every token check it makes is rejected `token_expired`, and the SDK checks again 20-60 s
 *   later at its next call. The tenant runs attestation in monitor mode (rejections logged, calls served), so the
 *   calls go on. The users use the app as usual (0.5-1 calls a minute on top of their ordinary use); when the
 *   carrier corrects the time the checks pass again. (A burst of rejected checks concentrated on one ASN and one
 *   platform, as a farm's failing emulators look; one reason only, token_expired, every install with its past.)
 * - `rt8_benign_office_nat` (all along): a consultancy's headquarters (its own ASN, 2 /24s in the US). 30 employees
 *   of each of 3 tenants' apps (their own phones on the office wifi, since the start of the history) use the apps at
 *   0.2-0.4 calls a minute; at lunch (starting 5-15 minutes into the frame, for 20 minutes) each uses them at 1-2 calls
 *   a minute. (90 installs of 3 tenants on two /24s of one small ASN, busier together in the same minutes: a cross-tenant
 *   farm's shape, made of people who were always there.)
 */
export type RedTeam8NetworkKind = 'rt8_benign_private_relay' | 'rt8_benign_clock_skew' | 'rt8_benign_office_nat'

const RELAYS: Host[] = [
  { asn: 13_335, country: '', first: [104, 172] }, // Cloudflare
  { asn: 36_183, country: '', first: [23, 2] }, // Akamai
]

function privateRelay(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  // Each country's egress /24s, both operators.
  const egress = new Map(f.tenant.countries.map(([c]) => [c, RELAYS.flatMap((h) => subnetsOf(rng, { ...h, country: c }, 3))]))
  const iphones = ctx.pop.installs.filter((i) => i.tenant === f.tenant && i.platform === 'ios' && !i.rooted && !ctx.taken.has(i.id))
  const users = shuffle(rng, iphones)
    .slice(0, f.s.installs ?? 120)
    .map((inst) => {
      ctx.taken.add(inst.id)
      // The population's own object: the ordinary traffic (the history too) leaves through the relay as well.
      Object.assign(inst, rng.pick(egress.get(inst.country)!))
      return { inst, next: f.start + rng.int(MIN), perMinute: 0.5 + rng.next() }
    })
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const installs = users.map((u) => u.inst)
  return installScenario('benign', f, installs, { kind: 'rt8_benign_private_relay', asns: RELAYS.map((h) => String(h.asn)) }, (sink, r, t0, t1, open) => {
    for (const u of users) {
      poissonCalls(u, u.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        // A copy on this connection's egress: a stream keeps it while the phone's next call takes another.
        const leg: Install = { ...u.inst }
        const spec = weightedPick(r, all)
        sendCall(sink, r, open, leg, ts, spec, ordinarySize(r, spec), f.end)
        u.inst.tokenExpiresAt = leg.tokenExpiresAt
      })
      // A new egress about every 30 s, at the tick's end (this tick's ordinary traffic used the old one).
      if (r.chance((t1 - t0) / 30_000)) Object.assign(u.inst, r.pick(egress.get(u.inst.country)!))
    }
  })
}

const EXPIRED: AttestationReason[] = ['token_expired']

function clockSkew(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const android = ctx.pop.installs.filter((i) => i.tenant === f.tenant && i.platform === 'android' && !i.rooted && !ctx.taken.has(i.id))
  const perCarrier = new Map<number, number>()
  for (const i of android) perCarrier.set(i.asn, (perCarrier.get(i.asn) ?? 0) + 1)
  const carrier = [...perCarrier].sort((a, b) => b[1] - a[1])[0]?.[0]
  const phones = android.filter((i) => i.asn === carrier).slice(0, f.s.installs ?? 60)
  for (const i of phones) ctx.taken.add(i.id)
  const skewed = new Set(phones)
  const from = f.start + 8 * MIN
  const to = from + 12 * MIN
  const wrong = (inst: Install, ts: number) => skewed.has(inst) && ts >= from && ts < to
  const verdictAt = (ts: number) => (r: Rng, inst: Install) => (wrong(inst, ts) ? EXPIRED : normalVerdict(r, inst))
  const users = phones.map((inst) => ({ inst, next: f.start + rng.int(2 * MIN), perMinute: 0.5 + 0.5 * rng.next() }))
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const detail = { kind: 'rt8_benign_clock_skew', asn: String(carrier) }
  const scenario = installScenario('benign', f, phones, detail, (sink, r, t0, t1, open) => {
    for (const u of users)
      poissonCalls(u, u.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const spec = weightedPick(r, all)
        refreshToken(sink, r, u.inst, u.inst.appVersion, ts, verdictAt(ts), spec.name)
        // Monitor mode: the call is served whatever the check said.
        sendCall(sink, r, open, u.inst, ts, spec, ordinarySize(r, spec), f.end, false)
      })
  })
  // The ordinary traffic's checks of these phones see the same clock.
  return { ...scenario, hook: { appVersion: (_i, v) => v, contextFactor: () => 1, verdict: (inst, ts) => (wrong(inst, ts) ? EXPIRED : null) } }
}

/** The consultancy's own network. */
const OFFICE: Host = { asn: 394_170, country: 'US', first: [147, 198] }

function officeNat(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const office = subnetsOf(rng, OFFICE, 2)
  const others = ctx.pop.tenants.filter((t) => t !== f.tenant)
  const tenants = [f.tenant, ...shuffle(rng, others).slice(0, 2)]
  const lunchFrom = f.end - 25 * MIN
  const staff = tenants.flatMap((t) =>
    recruitFrom(ctx, t, f.s.installs ?? 30, rng).map((inst) => {
      // On the office wifi since the start of the history (the population's own object: the history uses it too).
      Object.assign(inst, rng.pick(office))
      const lunchAt = lunchFrom + rng.int(10 * MIN)
      return {
        inst,
        next: f.start + rng.int(2 * MIN),
        perMinute: 0.2 + 0.2 * rng.next(),
        lunch: { next: lunchAt, end: lunchAt + 20 * MIN, perMinute: 1 + rng.next() },
      }
    }),
  )
  const installs = staff.map((x) => x.inst)
  const detail = { kind: 'rt8_benign_office_nat', asn: String(OFFICE.asn), ip_prefixes: office.map((o) => o.ipPrefix), tenants: tenants.map((t) => t.id) }
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const x of staff) {
      const call = (ts: number) => {
        const spec = weightedPick(
          r,
          x.inst.tenant.features.map((s) => [s, s.weight] as const),
        )
        sendCall(sink, r, open, x.inst, ts, spec, ordinarySize(r, spec), f.end)
      }
      poissonCalls(x, x.perMinute, r, t0, Math.min(t1, f.end), call)
      poissonCalls(x.lunch, x.lunch.perMinute, r, t0, Math.min(t1, f.end, x.lunch.end), call)
    }
  })
}

export function redTeam8Networks(ctx: ScenarioContext, f: Frame, kind: RedTeam8NetworkKind): Scenario {
  if (kind === 'rt8_benign_private_relay') return privateRelay(ctx, f)
  if (kind === 'rt8_benign_clock_skew') return clockSkew(ctx, f)
  return officeNat(ctx, f)
}
