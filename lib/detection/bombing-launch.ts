import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { VERSION_SHIFT_RATIO, type ContextBaseline } from './bombing-baselines'
import type { BombingGroup } from './bombing-groups'
import type { SequentialEvidence } from './bombing-sequential'
import { appendTo } from './collect'
import type { InstallMinutes } from './bombing-minutes'
import { num, toSec } from './query'
import { featureRecentContextSql } from './sql/feature-recent-context'

/**
 * A feature whose typical request moved for every user (a long-document
 * feature launched server-side, a prompt change, a release every user took):
 * against the 6-hour baseline each of its users now looks like a sustained
 * bomber, and for the first minutes, before most installs have sent enough
 * requests, a growing subset of installs changing together looks like a
 * spread attack. What tells them apart is the rest of the feature: an attack
 * on a subset leaves the other installs' requests where they were, a launch
 * moves them too.
 *
 * The feature's current level: the installs active since the judged
 * installs' onset (the median minute their evidence started: "did the others
 * change since these did?"; at most LAUNCH_GUARD_MINUTES back, at least the
 * current minute), one vote each (their mean ln context), so a few busy
 * installs cannot move it. For a feature-level group its members are left
 * out, so attackers sending most of a quiet feature's requests do not move
 * the level they are judged by; for single installs nothing is (in a launch
 * nearly every install that sent a few requests has evidence, and the few
 * left would be the smaller requests). The feature moved when, with at
 * least LAUNCH_MIN_INSTALLS installs,
 *  - their median is VERSION_SHIFT_RATIO (1.5x) the baseline's median or more, and
 *  - their lower quartile is at or above the baseline's median: three
 *    quarters of them sent requests above the old typical one. Attackers at
 *    any size move the quartile only when they are about half the installs
 *    active (each honest install is above the old median half the time); a
 *    launch moves both.
 * Then (a person would say "summarize requests are larger now, for everyone")
 *  - each install of the feature is judged against the feature's current
 *    level (`launchRebased`), so a bomber at several times the new level is
 *    still caught, and an honest user at the new level is not;
 *  - a feature-level bombing group is not raised (`guardFeatureLaunches`):
 *    the change is the cost detector's subject.
 * A feature that moves slowly (a retrieval index that keeps growing, a
 * template appended to: a launch in slow motion) has its upper tail cross
 * the moderate group test's bar before its median crosses 1.5x. So a group
 * is also held back when three quarters of the rest are above the old median
 * (the rest moved: an attack on a subset leaves half of them below it) and
 * the members' own shift exceeds the rest's by less than the group test's
 * own bar (`distinct`, MODERATE_RATIO): the members are the feature's
 * upper tail, not a subset that changed on its own. A group well above a
 * moved feature (an attack during a launch) still stands.
 * Under VERSION_SHIFT_RATIO the guard has nothing to do: an install whose
 * requests sit under √3 ≈ 1.7x the baseline median loses cumulative evidence.
 *
 * Blind spots: a launch on a feature with fewer than LAUNCH_MIN_INSTALLS
 * installs active since it (its users are judged against the baseline, as
 * before); single bombers in a feature where an attack holds half the active
 * installs (judged against the moved level; the group tests, which leave
 * their members out, still see the attack).
 */
export const LAUNCH_GUARD_MINUTES = 3
export const LAUNCH_MIN_INSTALLS = 10

/** The rest of a feature now: installs and requests counted, and the 25th and 50th percentiles of their mean ln context. */
export interface FeatureLevel {
  installs: number
  requests: number
  q25: number
  q50: number
}

/** The feature's current median request when the rest of it moved (see above), else undefined. Pure. */
export function movedLevel(b: ContextBaseline, level: FeatureLevel | undefined): number | undefined {
  if (!level || level.installs < LAUNCH_MIN_INSTALLS) return undefined
  if (level.q50 - b.mu < Math.log(VERSION_SHIFT_RATIO) || level.q25 < b.mu) return undefined
  return Math.exp(level.q50)
}

/** Whether a group's members, with mean log shift `members` above their reference, merely follow a rest that moved (see above). Pure. */
export function followsMovedRest(b: ContextBaseline, level: FeatureLevel | undefined, members: number | undefined, distinct: number): boolean {
  if (!level || level.installs < LAUNCH_MIN_INSTALLS || level.q25 < b.mu || members === undefined) return false
  return members - (level.q50 - b.mu) < Math.log(distinct)
}

/** The baseline an install of a moved feature is judged against: the feature's current level, same spread. */
export function launchRebased(b: ContextBaseline, level: FeatureLevel | undefined): ContextBaseline {
  const median = movedLevel(b, level)
  return median === undefined ? b : { ...b, mu: Math.log(median), median, source: 'current' }
}

/**
 * Where the rest of a feature is read from: the judged installs' onset (the median minute their evidence
 * started), so the question is "did the others change since these did?", at most LAUNCH_GUARD_MINUTES back
 * and at least the current minute. In a launch's first minute the last 3 minutes would be mostly before it.
 */
export function levelFrom(since: number[], now: number): number {
  const sorted = since.filter((x) => x > 0).sort((a, b) => a - b)
  const onset = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : 0
  return Math.min(Math.floor(now / 60_000) * 60_000 - 60_000, Math.max(now - LAUNCH_GUARD_MINUTES * 60_000, onset))
}

/**
 * The rest of every feature in `froms` (the installs in `exclude` left out) from its `levelFrom` minute: from
 * `kept()`, the install minutes the sequential test holds for this `now` (bombing-minutes.ts), when it has them,
 * else read from the engine.
 */
export async function featureLevels(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  froms: Map<string, number>,
  now: number,
  tenant: string,
  exclude: string[],
  kept?: () => Iterable<InstallMinutes> | undefined,
): Promise<Map<string, FeatureLevel>> {
  const series = kept?.()
  if (series) return levelsFromMinutes(series, baselines, froms, now, exclude)
  const out = new Map<string, FeatureLevel>()
  const byFrom = new Map<number, string[]>()
  for (const [k, from] of froms) if (baselines.has(k)) byFrom.set(from, [...(byFrom.get(from) ?? []), k])
  for (const [from, keys] of byFrom) for (const [k, l] of await readLevels(store, baselines, keys, from, now, tenant, exclude)) out.set(k, l)
  return out
}

/**
 * featureRecentContextSql computed from install minutes already in memory (the sequential test's kept window,
 * which holds every minute from 30 minutes back, each `levelFrom` included) instead of regrouping the last minutes
 * of install_minute in the engine each run (0.2-0.4 s CPU at 5,000 ev/s): the same minutes (requests and prompt
 * tokens both positive), per-install means and quantilesExact (the element at ⌊level · n⌋ in order). Sums in
 * minute order, the engine's in its own: equal up to rounding. Pure.
 */
export function levelsFromMinutes(
  series: Iterable<InstallMinutes>,
  baselines: Map<string, ContextBaseline>,
  froms: Map<string, number>,
  now: number,
  exclude: string[],
): Map<string, FeatureLevel> {
  const skip = new Set(exclude)
  const toS = toSec(now) + 1
  const found = new Map<string, { xs: number[]; requests: number }>()
  // Most kept series are of other features: skipped before their key is built (≈ 10⁵ series a run at 5,000 ev/s).
  const features = new Set([...froms.keys()].map((k) => k.slice(k.indexOf('\u0000') + 1)))
  for (const m of series) {
    if (!features.has(m.feature)) continue
    const key = `${m.tenant_id}\u0000${m.feature}`
    const from = froms.get(key)
    const b = baselines.get(key)
    if (from === undefined || !b || skip.has(m.install_id)) continue
    const fromS = toSec(from)
    const s2 = b.sigma * b.sigma
    let n = 0
    let sum = 0
    for (let i = 0; i < m.minutes.length; i++) {
      const t = m.minutes[i] * 60
      const k = m.requests[i]
      const p = m.prompt[i]
      if (t < fromS || t >= toS || k <= 0 || p <= 0) continue
      n += k
      sum += k * (Math.log(p / k) - (s2 / 2) * (1 - 1 / k))
    }
    if (n === 0) continue
    let f = found.get(key)
    if (!f) found.set(key, (f = { xs: [], requests: 0 }))
    f.xs.push(sum / n)
    f.requests += n
  }
  const out = new Map<string, FeatureLevel>()
  for (const [key, { xs, requests }] of found) {
    const sorted = Float64Array.from(xs).sort()
    const at = (level: number) => sorted[Math.floor(level * sorted.length)]
    out.set(key, { installs: xs.length, requests, q25: at(0.25), q50: at(0.5) })
  }
  return out
}

async function readLevels(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  keys: string[],
  from: number,
  now: number,
  tenant: string,
  exclude: string[],
): Promise<Map<string, FeatureLevel>> {
  const rows = await selectRows<Record<string, unknown>>(store, featureRecentContextSql(store.database), {
    from: toSec(from),
    to: toSec(now) + 1,
    tenant,
    exclude,
    keys: keys.map((k) => k.replace('\u0000', '|')),
    sigmas: keys.map((k) => baselines.get(k)!.sigma),
  })
  return new Map(
    rows.map((r) => {
      const q = (r.q as unknown[]).map(num)
      return [`${r.tenant_id}\u0000${r.feature}`, { installs: num(r.installs), requests: num(r.requests), q25: q[0], q50: q[1] }]
    }),
  )
}

/**
 * Caps a feature-level bombing group under the alert line, with the reason,
 * when the rest of its feature (its members left out) moved.
 */
export async function guardFeatureLaunches(
  store: Store,
  groups: BombingGroup[],
  baselines: Map<string, ContextBaseline>,
  now: number,
  tenant: string,
  /** The group test's bar (MODERATE_RATIO): how far above a moved rest the members must be to stand on their own. */
  distinct: number,
  kept?: () => Iterable<InstallMinutes> | undefined,
): Promise<BombingGroup[]> {
  const keys = new Set(groups.filter((g) => g.kind === 'feature_excess' && g.score >= 25).map((g) => `${g.tenant_id}\u0000${g.feature}`))
  if (!keys.size) return groups
  // The groups' own members are left out, so an attack that sends most of a quiet feature's requests does not
  // move the level it is judged by.
  const members = groups.filter((g) => keys.has(`${g.tenant_id}\u0000${g.feature}`)).flatMap((g) => g.members)
  const since = new Map<string, number[]>()
  for (const m of members) since.set(`${m.tenant_id}\u0000${m.feature}`, [...(since.get(`${m.tenant_id}\u0000${m.feature}`) ?? []), m.since])
  const froms = new Map([...keys].map((k) => [k, levelFrom(since.get(k) ?? [], now)]))
  const levels = await featureLevels(store, baselines, froms, now, tenant, [...new Set(members.map((m) => m.install_id))], kept)
  return groups.map((g) => {
    const key = `${g.tenant_id}\u0000${g.feature}`
    const b = baselines.get(key)
    const level = levels.get(key)
    if (g.kind !== 'feature_excess' || !b || !level) return g
    const ratio = Math.exp(level.q50 - b.mu)
    const rest = `the median request of the feature's other installs moved ${ratio.toFixed(1)}x since these installs changed, three quarters of them above the usual median`
    let why: string
    if (movedLevel(b, level) !== undefined) why = `${rest}: every user changed (a launch or release?)`
    else if (followsMovedRest(b, level, groupShift(g), distinct))
      why = `${rest}, and these installs grew only ${Math.exp(groupShift(g)!).toFixed(1)}x: the feature's upper tail, every user's requests growing`
    else return g
    return { ...g, score: Math.min(49, g.score), reasons: [...g.reasons, `${why}, see cost anomalies; not raised as bombing`] }
  })
}

/** The members' shift above their reference: the onset test's (since the onset), else the median member's over the window. */
function groupShift(g: BombingGroup): number | undefined {
  if (g.onset) return g.onset.shift
  const xs = g.members.flatMap((m) => (m.shift === undefined ? [] : [m.shift])).sort((a, b) => a - b)
  return xs.length ? xs[Math.floor((xs.length - 1) / 2)] : undefined
}

/**
 * The current level of the features where some install has evidence worth a finding (or is elevated: `suspects`),
 * read from every install active since the suspects' onset; only the features that moved.
 */
export async function launchLevels(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  suspects: SequentialEvidence[],
  now: number,
  tenant: string,
  kept: () => Iterable<InstallMinutes> | undefined,
): Promise<Map<string, FeatureLevel>> {
  if (!suspects.length) return new Map()
  const keys = new Set(suspects.map((e) => `${e.tenant_id}\u0000${e.feature}`))
  const since = new Map<string, number[]>()
  for (const e of suspects) appendTo(since, `${e.tenant_id}\u0000${e.feature}`, e.since)
  const froms = new Map([...keys].map((k) => [k, levelFrom(since.get(k) ?? [], now)]))
  // Nothing is left out: in a launch nearly every install that sent a few requests is a suspect, and the few left
  // would be the smaller requests. An attack needs half the feature's active installs to pass the quartile rule.
  const levels = await featureLevels(store, baselines, froms, now, tenant, [], kept)
  return new Map([...levels].filter(([k, l]) => movedLevel(baselines.get(k)!, l) !== undefined))
}
