import { poissonLogTail, zFromLogTail } from './stats'

/**
 * Timing evidence for token reuse: are an install's changes of network tied
 * to its requests (two devices, each calling on its own clock, interleave:
 * a request from one often follows one from the other within seconds), or
 * do they happen at moments of their own, as the network of one phone
 * changes (wifi lost, cellular taken, wifi back)?
 *
 * Null model, one phone: its network flips at random moments, independent of
 * when it sends requests, at rate μ out of each network. A gap of g between
 * two requests then ends on the other network with probability at most
 * 1 − exp(−μ·g): switches land in long gaps, hardly ever in gaps of a few
 * seconds. μ is taken from the install's own switches: HIDDEN_FLIPS times
 * the switches out of a network over the time spent on it (flips back and
 * forth within one gap are not seen, hence the factor). So the null allows a
 * phone to flip as often as the install switches, or more.
 *
 * Two devices sharing a token put switches into short gaps as often as into
 * long ones. The evidence is the count of **quick switches** (a request on
 * the other network less than QUICK_GAP_MS after the previous request)
 * against the null's expected count, a Poisson tail (the null's count is a
 * sum of independent Bernoulli draws, whose tail at a count of the mean + 1
 * or more the Poisson of the same mean bounds from above (Hoeffding 1956,
 * Anderson and Samuels 1967): the z is conservative where it can alert).
 *
 * Each direction is tested on its own and both must show the excess: a phone
 * whose request fails on wifi and is retried at once over cellular makes
 * quick switches wifi → cellular, tied to its requests, but its return to
 * wifi comes when wifi is back, at a moment of its own. Two devices make
 * quick switches both ways.
 *
 * What stays ambiguous: a phone whose network flips many times between two
 * of its requests (faster than it calls, for the whole window) labels its
 * requests at random, which is what two devices on Poisson clocks do; the
 * null above does not cover it. So does an OS that sends each connection
 * over whichever network it picks (per-connection multipath), if it does so
 * for a whole hour.
 */
export const QUICK_GAP_MS = 10_000
export const HIDDEN_FLIPS = 1.5
/** A gap is at least one second for the null (clock resolution and skew): two requests in the same millisecond are no proof. */
const MIN_GAP_MS = 1_000

export interface TimingEvidence {
  /** Changes of network between consecutive requests of the two busiest networks. */
  switches: number
  /** Quick switches out of the busier network and out of the other one. */
  quick: [number, number]
  /** What the one-phone null expects for each. */
  expected: [number, number]
  /** z of each direction (from its Poisson tail), the weaker one, and both combined (Stouffer: their sum over √2). */
  directionZ: [number, number]
  weakerZ: number
  combinedZ: number
  /** X, Y, X with both changes within the round-trip time, and the null's expected count of them. */
  roundTrips: number
  roundTripsExpected: number
  roundTripZ: number
  /** Switches over what a random order of the same requests would make, between the first and last switch. */
  randomOrderRatio: number
}

const tailZ = (k: number, mean: number) => zFromLogTail(poissonLogTail(k, mean))

/**
 * Timing evidence over one install's requests (sorted by start), each given
 * as its start and its network key. Only the two networks with most requests
 * are read; `roundTripMs` bounds X, Y, X.
 */
export function timingEvidence(requests: readonly { start_ms: number; net: string }[], roundTripMs: number): TimingEvidence {
  const counts = new Map<string, number>()
  for (const r of requests) counts.set(r.net, (counts.get(r.net) ?? 0) + 1)
  const [a, b] = [...counts.entries()].sort((x, y) => y[1] - x[1]).map(([k]) => k)
  const none: TimingEvidence = {
    switches: 0,
    quick: [0, 0],
    expected: [0, 0],
    directionZ: [0, 0],
    weakerZ: 0,
    combinedZ: 0,
    roundTrips: 0,
    roundTripsExpected: 0,
    roundTripZ: 0,
    randomOrderRatio: 0,
  }
  if (b === undefined) return none
  const seq = requests.filter((r) => r.net === a || r.net === b).map((r) => ({ t: r.start_ms, side: r.net === a ? 0 : 1 }))
  // Gaps between consecutive requests, from the request before the first switch to the one after the last.
  let first = -1
  let last = -1
  for (let i = 1; i < seq.length; i++)
    if (seq[i].side !== seq[i - 1].side) {
      if (first < 0) first = i - 1
      last = i
    }
  if (first < 0) return none
  const gaps: { g: number; from: number; switched: boolean }[] = []
  for (let i = first + 1; i <= last; i++) gaps.push({ g: seq[i].t - seq[i - 1].t, from: seq[i - 1].side, switched: seq[i].side !== seq[i - 1].side })
  const out = [0, 0]
  const timeOn = [0, 0]
  for (const x of gaps) {
    timeOn[x.from] += Math.max(MIN_GAP_MS, x.g)
    if (x.switched) out[x.from]++
  }
  const flipRate = [0, 1].map((s) => (HIDDEN_FLIPS * out[s]) / Math.max(MIN_GAP_MS, timeOn[s]))
  const pFlip = (x: { g: number; from: number }) => 1 - Math.exp(-flipRate[x.from] * Math.max(MIN_GAP_MS, x.g))
  const quick: [number, number] = [0, 0]
  const expected: [number, number] = [0, 0]
  for (const x of gaps)
    if (x.g < QUICK_GAP_MS) {
      expected[x.from] += pFlip(x)
      if (x.switched) quick[x.from]++
    }
  let roundTrips = 0
  let roundTripsExpected = 0
  for (let j = 1; j < gaps.length; j++) {
    const [x, y] = [gaps[j - 1], gaps[j]]
    if (x.g + y.g >= roundTripMs) continue
    // Under the null the second gap starts on the other network when the first switched: both flips needed.
    roundTripsExpected += pFlip(x) * pFlip({ g: y.g, from: 1 - x.from })
    if (x.switched && y.switched) roundTrips++
  }
  const inSpan = seq.slice(first, last + 1)
  const n = inSpan.length
  const shareA = inSpan.filter((s) => s.side === 0).length / n
  const randomOrder = (n - 1) * (1 - shareA ** 2 - (1 - shareA) ** 2)
  const directionZ: [number, number] = [tailZ(quick[0], expected[0]), tailZ(quick[1], expected[1])]
  return {
    switches: out[0] + out[1],
    quick,
    expected,
    directionZ,
    weakerZ: Math.min(...directionZ),
    combinedZ: (directionZ[0] + directionZ[1]) / Math.SQRT2,
    roundTrips,
    roundTripsExpected,
    roundTripZ: tailZ(roundTrips, roundTripsExpected),
    randomOrderRatio: randomOrder > 0 ? (out[0] + out[1]) / randomOrder : 0,
  }
}
