import type { FarmInstall } from './farm-install'
import { NEWNESS_Z_CAP, type NewnessGroup } from './farm-new-network'
import { poissonLogTail, zFromLogTail } from './stats'

/**
 * New installs that come back together. A farm run by one controller (red
 * team round 9, `sync wake`: 50 emulators, each spoofing a different real
 * phone on its own residential /24, the tenant's current build, attestation
 * passing) shares no fingerprint, build, network or lockstep, and calls at a
 * person's rate. What it cannot hide is that one clock drives it: its
 * installs fall silent and come back within the same seconds, again and again.
 * People come back to an app at moments of their own.
 *
 * Per tenant, over the window's last MASK_MINUTES minutes (the active-minute
 * bits of farm-timing.ts): an install's **returns** are the first minutes of
 * its bursts of activity after at least RETURN_SILENCE_MINUTES silent ones,
 * its first burst (first use, or activity the window cut) never one. For each
 * two-minute bin (a wake of a few seconds may straddle a minute), R = the new
 * installs (first seen in the window) returning in it, against a Poisson null
 * of mean Σ min(1, 2·rᵢ/sᵢ) over those that could (rᵢ returns over the sᵢ
 * minutes after its first burst), raised by the established installs' own
 * returns in that bin over their mean (a push to every user, a scheduled job
 * of the app, an outage's end bring everyone back at once: then the new ones
 * returning together are no surprise). A bin is a spike at z ≥
 * CO_WAKE_SPIKE_Z; adjacent spike bins are one wake.
 *
 * Members: the new installs that returned in at least CO_WAKE_MIN_WAKES
 * wakes. The group's z combines the wakes that hold at least `minSize`
 * members' returns: each wake's Poisson tail multiplied by the bins looked at
 * (a maximum over ~63 of them), then Stouffer over the wakes. A newness
 * signal (`co_wake`): like busy_new it needs the newness of its installs as
 * the second signal (farm-clusters.ts, combineSignals).
 *
 * What it spares: a release or a push that brings many new users at once
 * (their first session is no return), the cohort's later visits (at moments
 * of their own), and anything that brings established users back at the same
 * minutes. Blind spots: a controller that spreads each wake over several
 * minutes per install or wakes members in rotating subsets; an app whose new
 * version alone carries a timer on the wall clock that its established
 * installs, not yet upgraded, lack.
 */
export const MASK_MINUTES = 64
export const RETURN_SILENCE_MINUTES = 2
export const CO_WAKE_SPIKE_Z = 4
/** Bins each side a bin is judged against (the two next to it, which share its minutes or its wake, left out). */
export const NEIGHBOUR_BINS = 8
/** Least share of a member's returns that fall in wakes. */
export const CO_WAKE_MEMBER_SHARE = 0.5
/** Longest run of spike minutes read as one wake (a wake of seconds may straddle two). */
export const MAX_WAKE_BINS = 2
export const CO_WAKE_MIN_WAKES = 2

/** Whether the install was active in the minute `t` minutes after the mask's first (0 … MASK_MINUTES − 1, in time order). */
function activeAt(i: FarmInstall, t: number): boolean {
  const back = MASK_MINUTES - 1 - t
  return back < 32 ? (((i.minutes_lo ?? 0) >>> back) & 1) === 1 : (((i.minutes_hi ?? 0) >>> (back - 32)) & 1) === 1
}

/** An install's returns (mask minutes, in time order) and how many minutes after its first burst a return could start in. */
export function returnsOf(i: FarmInstall, from = 0): { at: number[]; span: number } {
  const at: number[] = []
  let first = -1
  let firstBurstEnd = -1
  let silent = 0
  for (let t = Math.max(0, from); t < MASK_MINUTES; t++) {
    if (!activeAt(i, t)) {
      silent++
      continue
    }
    if (first < 0) first = t
    else if (silent >= RETURN_SILENCE_MINUTES) at.push(t)
    if (at.length === 0) firstBurstEnd = t
    silent = 0
  }
  const span = first < 0 ? 0 : Math.max(0, MASK_MINUTES - (firstBurstEnd + 1 + RETURN_SILENCE_MINUTES))
  return { at, span }
}

/** The median of `xs` at the indices in [from, to] outside [skipFrom, skipTo]. */
function localMedian(xs: ArrayLike<number>, from: number, to: number, skipFrom: number, skipTo: number): number {
  const v: number[] = []
  for (let k = Math.max(0, from); k <= Math.min(xs.length - 1, to); k++) if (k < skipFrom || k > skipTo) v.push(xs[k])
  v.sort((a, b) => a - b)
  return v.length ? v[Math.floor(v.length / 2)] : 0
}

/** The tenant's new installs that return together (one group at most, z ≥ zMin); pure. `list`: one tenant's installs. */
export function coWakeGroups(list: FarmInstall[], windowStart: number, minSize: number, zMin = 0): NewnessGroup[] {
  const end = list.find((i) => i.minutes_end !== undefined)?.minutes_end
  if (end === undefined) return []
  const maskStart = end - (MASK_MINUTES - 1) * 60_000
  const bins = MASK_MINUTES
  const fresh: { i: FarmInstall; inBin: Uint8Array; returns: number; from: number }[] = []
  const established = new Float64Array(bins)
  const binsOf = (at: number[]) => {
    const inBin = new Uint8Array(bins)
    for (const t of at) inBin[t] = 1
    return inBin
  }
  for (const i of list) {
    if (i.minutes_end === undefined) continue
    if (i.first_seen < windowStart || i.first_seen < maskStart) {
      const inBin = binsOf(returnsOf(i).at)
      for (let b = 0; b < bins; b++) established[b] += inBin[b]
      continue
    }
    // Its first return is left out, and it can return from the minute after: the first minute past a silence is the
    // likeliest of all for a frequent caller, and a crowd that arrived together (a TV ad) reaches it together.
    const r = returnsOf(i, Math.floor((i.first_seen - maskStart) / 60_000))
    const later = r.at.slice(1)
    if (later.length >= CO_WAKE_MIN_WAKES) fresh.push({ i, inBin: binsOf(later), returns: later.length, from: r.at[0] + 1 })
  }
  if (fresh.length < minSize) return []
  // Per bin: the new installs that came back in it, of those that could (past their first burst): a crowd that
  // arrived together (a TV ad) becomes able to return together, and its returns rise with it.
  const count = new Float64Array(bins)
  const open = new Float64Array(bins)
  for (const f of fresh)
    for (let b = 0; b < bins; b++) {
      count[b] += f.inBin[b]
      if (f.from <= b) open[b]++
    }
  const share = Array.from(count, (c, b) => c / Math.max(1, open[b]))
  // Each bin against its neighbours (the day's curve, a session's tail, a store whose history begins inside the
  // window move slowly; a wake is one bin), raised where established users came back more than around it too.
  const wakes: { from: number; to: number; lnTail: number }[] = []
  for (let b = 0; b < bins; b++) {
    const around = open[b] * localMedian(share, b - NEIGHBOUR_BINS, b + NEIGHBOUR_BINS, b - 2, b + 2)
    const lift = Math.max(1, (established[b] + 1) / (localMedian(established, b - NEIGHBOUR_BINS, b + NEIGHBOUR_BINS, b - 2, b + 2) + 1))
    const lnTail = poissonLogTail(count[b], Math.max(1, around) * lift)
    if (zFromLogTail(lnTail) < CO_WAKE_SPIKE_Z) continue
    const last = wakes.at(-1)
    if (last && b <= last.to + 1) {
      last.to = b
      last.lnTail = Math.min(last.lnTail, lnTail)
    } else wakes.push({ from: b, to: b, lnTail })
  }
  // Members: new installs back in at least two wakes, most of their returns in wakes (a person who calls every few
  // minutes is back in some wakes by chance, and in many other minutes too).
  // A wake is short: a run of spike bins longer than MAX_WAKE_BINS is a crowd's busy stretch, not a controller's call.
  for (let k = wakes.length - 1; k >= 0; k--) if (wakes[k].to - wakes[k].from + 1 > MAX_WAKE_BINS) wakes.splice(k, 1)
  const inWake = (f: (typeof fresh)[number], w: { from: number; to: number }) => f.inBin.subarray(w.from, w.to + 1).some((x) => x === 1)
  const members = fresh.filter((f) => {
    const k = wakes.filter((w) => inWake(f, w)).length
    return k >= CO_WAKE_MIN_WAKES && k >= f.returns * CO_WAKE_MEMBER_SHARE
  })
  const held = wakes.filter((w) => members.filter((m) => inWake(m, w)).length >= minSize)
  if (members.length < minSize || held.length < CO_WAKE_MIN_WAKES) return []
  // Each wake is the best of the bins looked at (its tail times their number); Stouffer over the wakes.
  const zs = held.map((w) => Math.max(0, zFromLogTail(Math.min(0, w.lnTail + Math.log(bins)))))
  const groupZ = Math.min(NEWNESS_Z_CAP, zs.reduce((a, b) => a + b, 0) / Math.sqrt(zs.length))
  if (groupZ < zMin) return []
  const at = (t: number) => new Date(maskStart + t * 60_000).toISOString().slice(11, 16)
  return [
    {
      trait: 'wake_time',
      signal: 'co_wake',
      value: 'new installs returning together',
      members: members.map((m) => m.i),
      z: groupZ,
      wakes: held.map((w) => at(w.from)),
    },
  ]
}
