import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel, ScenarioName } from './labels'
import type { FeatureSpec, Install } from './population'
import type { Rng } from './random'
import { normalVerdict, refreshToken, type EventSink } from './traffic'
import type { HeldStream } from './redteam-streams'
import { sendCall } from './redteam5-calls'
import { installLabels } from './scenario-frame'

/**
 * Red team, round 8 (families-redteam8.ts): what this round's clients share. A hosting provider's /24s, labels that
 * start when each install appears, and a call behind a token check that a hooked or emulated client fails now and then.
 */

/** A hosting (or VPN, or relay) provider: its ASN, the country its addresses are placed in, first octets it announces. */
export interface Host {
  asn: number
  country: string
  first: number[]
}

/** `n` /24s of a provider, as the gateway stores them. */
export function subnetsOf(rng: Rng, host: Host, n: number): { asn: number; country: string; ipPrefix: string }[] {
  return Array.from({ length: n }, () => ({ asn: host.asn, country: host.country, ipPrefix: `${rng.pick(host.first)}.${rng.int(256)}.${rng.int(256)}.0/24` }))
}

/** Each install's label from the moment it appears (`joinAt`) to the frame's end. */
export function joinLabels(
  name: ScenarioName,
  people: { inst: Install; joinAt: number }[],
  end: number,
  detail: GroundTruthLabel['detail'],
): GroundTruthLabel[] {
  return people.flatMap((x) => installLabels(name, { start: x.joinAt, end }, [x.inst], detail))
}

/** Whether an install's last token check was refused: the gateway refuses its calls until a retry passes. */
const refused = new WeakMap<Install, boolean>()

/**
 * A call behind the install's token check, which fails `failShare` of the time with `reasons` (a hooked app whose
 * hiding slips, an emulator the check sees through) and is otherwise the ordinary verdict. A refused check is retried
 * 20-60 s later (refreshToken); calls until then are refused by the gateway and not sent: false.
 */
export function gatedCall(
  sink: EventSink,
  rng: Rng,
  open: HeldStream[],
  inst: Install,
  ts: number,
  spec: FeatureSpec,
  size: { context: number; completion: number },
  until: number,
  failShare: number,
  reasons: AttestationReason[],
): boolean {
  const verdict = (r: Rng, i: Install): AttestationReason[] => {
    const v = r.chance(failShare) ? reasons : normalVerdict(r, i)
    refused.set(i, v.length > 0)
    return v
  }
  refreshToken(sink, rng, inst, inst.appVersion, ts, verdict, spec.name)
  if (refused.get(inst)) return false
  return sendCall(sink, rng, open, inst, ts, spec, size, until, false)
}
