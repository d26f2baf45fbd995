import { binomialLogTail, zFromLogTail } from './stats'

/** The onset test's window, bin and background (bombing-onset.ts). */
export const ONSET_SPAN_MINUTES = 20
export const ONSET_BIN_MINUTES = 2
export const ONSET_RATE_FLOOR = 0.0005
export const ONSET_SAFETY = 1.5

/** Features with at least this many active installs lend their onset rate to the others' null (fewer: 1 onset is 1/n). */
export const PEER_MIN_INSTALLS = 500
/** At least this many such other features, or the null is the feature's own background alone. */
export const PEER_MIN_FEATURES = 3

export type PeerOnsets = { key: string; n: number; minutes: number[] }[]

/** A bin's onsets (k from minute `from`), the per-install chance used, its z, and whether the peers' share set it. */
export interface OnsetBin {
  from: number
  k: number
  rate: number
  z: number
  peer: boolean
}

export function peerOnsets(byFeature: Map<string, { onset: { minute: number } }[]>, installs: Map<string, number>): PeerOnsets {
  const out: PeerOnsets = []
  for (const [key, n] of installs) if (n >= PEER_MIN_INSTALLS) out.push({ key, n, minutes: (byFeature.get(key) ?? []).map((o) => o.onset.minute) })
  return out
}

const inBin = (minutes: number[], from: number) => minutes.filter((m) => m >= from && m < from + ONSET_BIN_MINUTES).length

/**
 * The bin of most evidence and its null: per install, the chance of an onset in the bin is the larger of
 * - the feature's own background: onsets at least a bin away, spread evenly (×ONSET_SAFETY, at least ONSET_RATE_FLOOR a
 *   minute), and
 * - the median, over the other features with ≥ PEER_MIN_INSTALLS installs (≥ PEER_MIN_FEATURES of them), of their
 *   onsets in the same minutes per install (×ONSET_SAFETY).
 * The second is there because honest onsets are not spread evenly: the best split of an install's noise falls most
 * often in its newest minutes (2-3 requests at 1.5x pass z 2.5 more easily than 20), so at scale every feature shows a
 * cluster there. On the bench's ordinary traffic at 5,000 ev/s (3,000-7,000 active installs a feature) 8-37 honest
 * onsets shared the newest bin in every feature against 3-6 expected from the even spread, and groups of 17-37 opened
 * false alerts (z up to 7.3); the other features at those minutes held 0.14-0.27 % of their installs each, which the
 * median reads. A median: one or two features under attack at that minute do not raise the others' bar. The bin kept is
 * the one of highest z, not of most onsets: a newest bin full of noise must not hide an older attack bin. A bin holding
 * more than `size.max` onsets (a quarter of the feature) means the feature itself changed: nothing is raised.
 */
export function bestBin(minutes: number[], n: number, peers: PeerOnsets, self: string, size: { min: number; max: number }): OnsetBin | null {
  const lo = Math.min(...minutes)
  const hi = Math.max(...minutes)
  const others = peers.filter((p) => p.key !== self)
  const positions = Math.max(1, ONSET_SPAN_MINUTES - ONSET_BIN_MINUTES)
  let best: OnsetBin | null = null
  for (let from = lo; from <= hi; from++) {
    const k = inBin(minutes, from)
    if (k > size.max) return null
    if (k < size.min) continue
    // The background from onsets at least a bin away: attackers whose first request came a minute late sit next to the bin.
    const far = minutes.filter((m) => m < from - ONSET_BIN_MINUTES || m >= from + 2 * ONSET_BIN_MINUTES).length
    const own = ONSET_BIN_MINUTES * Math.max(ONSET_RATE_FLOOR, (ONSET_SAFETY * far) / (n * Math.max(1, ONSET_SPAN_MINUTES - 3 * ONSET_BIN_MINUTES)))
    const shares = others.map((p) => inBin(p.minutes, from) / p.n).sort((a, b) => a - b)
    const peer = shares.length >= PEER_MIN_FEATURES ? ONSET_SAFETY * shares[Math.floor((shares.length - 1) / 2)] : 0
    const rate = Math.min(0.5, Math.max(own, peer))
    const z = zFromLogTail(binomialLogTail(k, n, rate) + Math.log(positions))
    if (!best || z > best.z || (z === best.z && k > best.k)) best = { from, k, rate, z, peer: peer > own }
  }
  return best
}
