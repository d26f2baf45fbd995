import type { Install } from './population'
import { residentialNetwork } from './population'
import type { Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { MIN, recruitFrom, type Frame } from './family-frame'
import { humanTick, type Person } from './redteam4-people'
import { installScenario } from './redteam-streams'

/**
 * Red team, round 6 (families-redteam6.ts): look-alikes of people who change networks, one network at a time, written
 * from the threat model before the token-reuse detector was run on them. None is abuse.
 *
 * - `rt6_benign_vpn`: 60 of a travel app's users switch on a consumer VPN at some minute of the frame's first 20 (a
 *   privacy push in the news): from then on their calls leave from the VPN's exits (a hosting ASN, Datacamp; 4 /24s
 *   per exit country, shared by every VPN user there), 7 in 10 in their own country, 3 in 10 through an exit abroad
 *   (US or NL, the default). 3 in 10 switch it off again 5-10 minutes later. A call a minute each.
 * - `rt6_benign_border_train`: 40 British and French users of the travel app on one London-Paris train. Early in the
 *   frame each joins the train's wifi (one /24 of the onboard provider, exits in GB), and drops back to cellular in
 *   tunnels every 3-6 minutes; at the border (about 12 minutes in, the same minute for the whole train) cellular
 *   becomes a French carrier (British phones roam with local breakout); 20-25 minutes in they arrive and move to the
 *   station's or a hotel's wifi (a French residential carrier). A call every 1-2 minutes each.
 */
export type RedTeam6TravelKind = 'rt6_benign_vpn' | 'rt6_benign_border_train'

type Net = { asn: number; ipPrefix: string; country: string }
interface Traveller {
  inst: Install
  /** Network changes in time order: applied at the end of the tick they fall in. */
  moves: { at: number; net: Net }[]
}

const DATACAMP = { asn: 60068, first: [37, 84, 185] }
const ONBOARD = { asn: 35_228, country: 'GB' }

function vpn(ctx: ScenarioContext, f: Frame): Traveller[] {
  const rng = f.rng
  const exits = new Map<string, Net[]>()
  const exitOf = (r: Rng, country: string): Net => {
    if (!exits.has(country))
      exits.set(
        country,
        Array.from({ length: 4 }, () => ({ asn: DATACAMP.asn, country, ipPrefix: `${r.pick(DATACAMP.first)}.${r.int(256)}.${r.int(256)}.0/24` })),
      )
    return r.pick(exits.get(country)!)
  }
  return recruitFrom(ctx, f.tenant, f.s.installs ?? 60, rng).map((inst) => {
    const home = { asn: inst.asn, ipPrefix: inst.ipPrefix, country: inst.country }
    const abroad = rng.chance(0.3) ? (inst.country === 'US' ? 'NL' : 'US') : inst.country
    const on = f.start + rng.int(20 * MIN)
    const moves = [{ at: on, net: exitOf(rng, abroad) }]
    if (rng.chance(0.3)) moves.push({ at: on + 5 * MIN + rng.int(5 * MIN), net: home })
    return { inst, moves }
  })
}

function train(ctx: ScenarioContext, f: Frame): Traveller[] {
  const rng = f.rng
  const pool = ctx.pop.installs.filter((i) => i.tenant === f.tenant && (i.country === 'GB' || i.country === 'FR') && !i.rooted && !ctx.taken.has(i.id))
  const riders: Install[] = []
  while (riders.length < (f.s.installs ?? 40) && pool.length) riders.push(...pool.splice(rng.int(pool.length), 1))
  for (const i of riders) ctx.taken.add(i.id)
  const wifi: Net = { ...ONBOARD, ipPrefix: `${80 + rng.int(10)}.${rng.int(256)}.${rng.int(256)}.0/24` }
  const border = f.start + 12 * MIN + rng.int(MIN)
  return riders.map((inst) => {
    let cell: Net = { asn: inst.asn, ipPrefix: inst.ipPrefix, country: inst.country }
    const roam = { ...residentialNetwork(rng, 'FR'), country: 'FR' }
    const arrival = f.start + 20 * MIN + rng.int(5 * MIN)
    const moves: { at: number; net: Net }[] = []
    // On the wifi from a few minutes in; a tunnel drops it to cellular for 1-2 minutes every 3-6 minutes.
    for (let t = f.start + rng.int(4 * MIN); t < arrival;) {
      moves.push({ at: t, net: wifi })
      t += 3 * MIN + rng.int(3 * MIN)
      if (t >= arrival) break
      if (t >= border && inst.country === 'GB') cell = roam
      moves.push({ at: t, net: cell })
      t += MIN + rng.int(MIN)
    }
    // At the border the train's wifi drops for a while: British phones pick up a French carrier.
    if (inst.country === 'GB') moves.push({ at: border, net: roam })
    moves.sort((a, b) => a.at - b.at)
    // A British phone on cellular after the border is on the French carrier.
    for (const m of moves) if (m.at > border && m.net.asn === inst.asn) m.net = roam
    moves.push({ at: arrival, net: { ...residentialNetwork(rng, 'FR'), country: 'FR' } })
    return { inst, moves }
  })
}

export function redTeam6Travel(ctx: ScenarioContext, f: Frame, kind: RedTeam6TravelKind): Scenario {
  const travellers = kind === 'rt6_benign_vpn' ? vpn(ctx, f) : train(ctx, f)
  const rate = kind === 'rt6_benign_vpn' ? 1 : 0.7
  const people: Person[] = travellers.map((t) => ({ inst: t.inst, joinAt: f.start + f.rng.int(MIN), perMinute: rate }))
  const calls = humanTick(people, f)
  const installs = travellers.map((t) => t.inst)
  return installScenario('benign', f, installs, { kind }, (sink, r, t0, t1) => {
    calls(sink, r, t0, t1)
    // Switched at the end of a tick, as the ordinary traffic of this tick (emitted before the scenarios) used the old
    // network: a phone is on one network at a time.
    for (const t of travellers) {
      let net: Net | null = null
      while (t.moves.length && t.moves[0].at < t1) net = t.moves.shift()!.net
      if (net) Object.assign(t.inst, net)
    }
  })
}
