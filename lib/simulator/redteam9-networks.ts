import type { Install } from './population'
import { residentialNetwork } from './population'
import { shuffle, weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario, type HeldStream } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'
import type { EventSink } from './traffic'
import { subnetsOf, type Host } from './redteam8-calls'
import { featureMix, recruitWhere } from './redteam9-calls'

/**
 * Red team, round 9 (families-redteam9.ts): look-alikes of people whose networks change under them, written from the
 * threat model before the detectors were run on them. None is abuse.
 *
 * - `rt9_benign_travel_esim` (all along): 50 of the travel app's users from abroad are on holiday in Japan. Their
 *   phones alternate between the wifi of wherever they are (a Japanese carrier's /24: the hotel, a café, a station,
 *   another one now and then) and a travel eSIM whose data breaks out in Singapore (the eSIM operator's mobile ASN,
 *   one of its 3 exit /24s, country SG), switching every 5-15 minutes; a stream keeps the network it opened on. They
 *   use the app at 0.5-1.5 calls a minute on top of their ordinary use, and their phones attest as usual on either
 *   network. (One install id in two countries, neither its home, on a mobile ASN abroad, back and forth: token reuse
 *   in shape; one phone, one fingerprint, its token checks passing wherever it is.)
 * - `rt9_benign_cruise_ship` (all along): 150 passengers (50 users each of 3 tenants' apps, their own phones) on a
 *   Mediterranean cruise use the ship's satellite internet (Starlink: one public /24 per ground station, geolocated
 *   to its country). When the ship moves into another ground station's coverage, every phone on board changes /24
 *   and country in the same second: from France to Spain 20 minutes into the history, from Spain to Italy 15 minutes
 *   into the case. They use the apps at 0.3-1 calls a minute. (150 installs of 3 tenants on one /24 of a satellite
 *   ASN, all moving to a new /24 in a new country at once: a farm migrating, or a mass token theft; a ship.)
 * - `rt9_benign_carrier_renumber`: the US mobile carrier with the most of Burnrate's users renumbers its CGNAT pool in
 *   a maintenance window: from the frame's 8th minute to its 18th, each of its subscribers (every tenant's installs on
 *   it) is moved, at some minute of the window, from its old address to one of 8 new /24s of the same ASN, and stays
 *   there. Their phones, tokens, versions and habits are unchanged; they use the apps at 0.3-0.8 calls a minute on
 *   top of their ordinary use. (Many installs moving to a few new /24s within ten minutes: a farm appearing, or a wave
 *   of tokens used from new networks; a carrier's maintenance.)
 */
export type RedTeam9NetworkKind = 'rt9_benign_travel_esim' | 'rt9_benign_cruise_ship' | 'rt9_benign_carrier_renumber'

type Network = { asn: number; country: string; ipPrefix: string }

interface Person {
  inst: Install
  next: number
  perMinute: number
}

/** The person's calls over their app's features; each a copy of the install, so a stream keeps the network it opened on. */
function callOn(sink: EventSink, r: Rng, open: HeldStream[], p: Person, ts: number, until: number): void {
  const leg: Install = { ...p.inst }
  const spec = weightedPick(r, featureMix(p.inst.tenant))
  sendCall(sink, r, open, leg, ts, spec, ordinarySize(r, spec), until)
  p.inst.tokenExpiresAt = leg.tokenExpiresAt
}

/** A travel eSIM breaking out in Singapore: the operator's ASN and first octets of its exits. */
const ESIM: Host = { asn: 7_473, country: 'SG', first: [118, 203] }

function travelEsim(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const exits = subnetsOf(rng, ESIM, 3)
  const wifi = (): Network => ({ ...residentialNetwork(rng, 'JP'), country: 'JP' })
  const travellers = recruitWhere(ctx, f.tenant, f.s.installs ?? 50, rng, (i) => i.country !== 'JP').map((inst) => {
    const venue = wifi()
    const onEsim = rng.chance(0.5)
    // The population's own object: the ordinary traffic (the history too) comes from Japan as well.
    Object.assign(inst, onEsim ? rng.pick(exits) : venue)
    return { inst, next: f.start + rng.int(MIN), perMinute: 0.5 + rng.next(), venue, onEsim, switchAt: f.start + Math.round(rng.uniform(5, 15) * MIN) }
  })
  const detail = { kind: 'rt9_benign_travel_esim', esim_asn: String(ESIM.asn), esim_prefixes: exits.map((e) => e.ipPrefix) }
  return installScenario(
    'benign',
    f,
    travellers.map((t) => t.inst),
    detail,
    (sink, r, t0, t1, open) => {
      for (const t of travellers) {
        poissonCalls(t, t.perMinute, r, t0, Math.min(t1, f.end), (ts) => callOn(sink, r, open, t, ts, f.end))
        // At the tick's end (this tick's ordinary calls used the old network): wifi ↔ eSIM, now and then a new venue.
        if (t1 > t.switchAt) {
          t.onEsim = !t.onEsim
          if (!t.onEsim && r.chance(0.5)) t.venue = { ...residentialNetwork(r, 'JP'), country: 'JP' }
          Object.assign(t.inst, t.onEsim ? r.pick(exits) : t.venue)
          t.switchAt = t1 + Math.round(r.uniform(5, 15) * MIN)
        }
      }
    },
  )
}

/** Starlink: its ASN, and the first octets of its ground stations' public addresses. */
const STARLINK: Host = { asn: 14_593, country: '', first: [98, 129, 143] }

function cruiseShip(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const stations = ['FR', 'ES', 'IT'].map((country) => subnetsOf(rng, { ...STARLINK, country }, 1)[0])
  // The handovers: 50 and 15 minutes before the frame's end (20 minutes into the history, 15 into the case).
  const handovers = [f.end - 50 * MIN, f.end - 15 * MIN]
  let station = 0
  const others = ctx.pop.tenants.filter((t) => t !== f.tenant)
  const tenants = [f.tenant, ...shuffle(rng, others).slice(0, 2)]
  const passengers: Person[] = tenants.flatMap((t) =>
    recruitFrom(ctx, t, f.s.installs ?? 50, rng).map((inst) => {
      Object.assign(inst, stations[0])
      return { inst, next: f.start + rng.int(2 * MIN), perMinute: 0.3 + 0.7 * rng.next() }
    }),
  )
  const detail = { kind: 'rt9_benign_cruise_ship', asn: String(STARLINK.asn), ip_prefixes: stations.map((s) => s.ipPrefix), tenants: tenants.map((t) => t.id) }
  return installScenario(
    'benign',
    f,
    passengers.map((p) => p.inst),
    detail,
    (sink, r, t0, t1, open) => {
      for (const p of passengers) poissonCalls(p, p.perMinute, r, t0, Math.min(t1, f.end), (ts) => callOn(sink, r, open, p, ts, f.end))
      // The ship's connection re-homes to the next ground station: every phone on board at once, at the tick's end.
      if (station < handovers.length && t1 > handovers[station]) {
        station++
        for (const p of passengers) Object.assign(p.inst, stations[station])
      }
    },
  )
}

/** The maintenance window, from the frame's start, and how many new /24s the pool gets. */
const WINDOW = [8 * MIN, 18 * MIN] as const
const NEW_POOL = 8

function carrierRenumber(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const country = f.tenant.countries[0][0]
  const counts = new Map<number, number>()
  for (const i of ctx.pop.installs) if (i.country === country && !ctx.taken.has(i.id)) counts.set(i.asn, (counts.get(i.asn) ?? 0) + 1)
  const carrier = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]
  const subscribers = recruitWhere(ctx, null, Infinity, rng, (i) => i.country === country && i.asn === carrier)
  const firsts = [...new Set(subscribers.map((i) => i.ipPrefix.split('.')[0]))]
  const pool: Network[] = Array.from({ length: NEW_POOL }, () => ({
    asn: carrier,
    country,
    ipPrefix: `${rng.pick(firsts)}.${rng.int(256)}.${rng.int(256)}.0/24`,
  }))
  const people = subscribers.map((inst) => ({
    inst,
    next: f.start + rng.int(2 * MIN),
    perMinute: 0.3 + 0.5 * rng.next(),
    moveAt: f.start + Math.round(rng.uniform(WINDOW[0], WINDOW[1])),
    to: rng.pick(pool),
    moved: false,
  }))
  const detail = { kind: 'rt9_benign_carrier_renumber', asn: String(carrier), ip_prefixes: pool.map((p) => p.ipPrefix) }
  return installScenario('benign', f, subscribers, detail, (sink, r, t0, t1, open) => {
    for (const p of people) {
      poissonCalls(p, p.perMinute, r, t0, Math.min(t1, f.end), (ts) => callOn(sink, r, open, p, ts, f.end))
      if (!p.moved && t1 > p.moveAt) {
        Object.assign(p.inst, p.to)
        p.moved = true
      }
    }
  })
}

export function redTeam9Networks(ctx: ScenarioContext, f: Frame, kind: RedTeam9NetworkKind): Scenario {
  if (kind === 'rt9_benign_travel_esim') return travelEsim(ctx, f)
  if (kind === 'rt9_benign_cruise_ship') return cruiseShip(ctx, f)
  return carrierRenumber(ctx, f)
}
