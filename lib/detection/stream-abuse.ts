import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { FINDING_MIN_SCORE, severityFor, type DetectionSettings } from './settings'
import { streamInstallsSql } from './sql/stream-installs'
import { openStreams } from './open-streams'
import { scoreOpenConcurrency, type OpenConcurrency } from './open-stream-concurrency'
import { heldWindowStreams } from './held-window-streams'
import { ANSWER_LINE_FLOOR, ANSWER_LINE_RANK, overlongStreams, type Overlong } from './stream-answer-line'
import { zombieGroups, zombieHolders } from './stream-zombie-group'
import { windowVersions } from './bombing-moderate'
import { keptStreamStats } from './stream-window-minutes'
import { absoluteZombieLines, isZombie, zombieLines, zombieZ, type ZombieLines } from './stream-zombie'
import { band, binomialZ, logBand, MIN_LOG_SIGMA, MIN_LOG_SIGMA_COUNT, zFromLogBand, zToScore } from './stats'

export { binomialZ }
import type { StreamAbuseRow } from './types'
import { appendTo } from './collect'
import { timePhase } from './phase-cost'

/** Prefix of this detector's sub-phases in the bench's CPU breakdown (phase-cost.ts). */
const SUB = 'stream_abuse:   '

export interface StreamStats {
  tenant_id: string
  install_id: string
  streams: number
  max_duration_ms: number
  median_duration_ms: number
  zombie_streams: number
  client_disconnects: number
  disconnect_cost_micros: number
  cost_micros: number
  max_concurrent: number
  /** The line the install's open zombies were judged against (stream-zombie.ts), for the finding's reason. */
  zombie_line?: string
}

const Z_CAP = 50
/**
 * Installs with streams a tenant needs before its own installs are a
 * population to compare against. Below it (a small app, a QA team, a quiet
 * night) the relative signals say nothing; zombies, absolute, still count.
 */
export const MIN_STREAM_INSTALLS = 10

/**
 * Pure scoring of per-install stream stats, for unit tests. `held`: installs
 * holding several reported streams at once now (open-stream-concurrency.ts),
 * keyed tenant\0install; a prior-based test, so it counts in small tenants too.
 */
export function scoreStreamAbuse(
  stats: StreamStats[],
  s: Pick<DetectionSettings, 'zAlert'>,
  held: ReadonlyMap<string, OpenConcurrency> = new Map(),
  overlong: ReadonlyMap<string, Overlong> = new Map(),
): StreamAbuseRow[] {
  const byTenant = new Map<string, StreamStats[]>()
  for (const r of stats) {
    appendTo(byTenant, r.tenant_id, r)
  }
  const rows: StreamAbuseRow[] = []
  for (const list of byTenant.values()) {
    const conc = logBand(list.map((r) => r.max_concurrent))
    // Typical (median) stream length: one upstream timeout must not make an install an outlier.
    const dur = logBand(list.map((r) => r.median_duration_ms))
    // What abandoned streams cost, among installs that abandoned any (most abandon none: MAD 0).
    const cost = logBand(list.filter((r) => r.client_disconnects > 0).map((r) => r.disconnect_cost_micros))
    const rates = list.map((r) => r.client_disconnects / Math.max(1, r.streams))
    const rateBand = band(rates)
    const p0 =
      list.reduce((a, r) => a + r.client_disconnects, 0) /
      Math.max(
        1,
        list.reduce((a, r) => a + r.streams, 0),
      )
    const tooFew = list.length < MIN_STREAM_INSTALLS
    list.forEach((r, i) => {
      // Most installs hold one stream at a time (MAD 0): a floor of 0.35 on the log scale makes 2 at once z ≈ 1, not 4.
      const zConc = Math.min(Z_CAP, zFromLogBand(r.max_concurrent, conc, MIN_LOG_SIGMA_COUNT))
      const zDur = Math.min(Z_CAP, zFromLogBand(r.median_duration_ms, dur, MIN_LOG_SIGMA))
      const zRate = Math.min(Z_CAP, binomialZ(r.client_disconnects, r.streams, p0))
      const zCost = r.client_disconnects > 0 ? Math.min(Z_CAP, zFromLogBand(r.disconnect_cost_micros, cost, MIN_LOG_SIGMA)) : 0
      const zZombie = zombieZ(r.zombie_streams, s.zAlert)
      // Each pair is one behaviour: long AND concurrent streams; abandoned AND expensive streams.
      const relative = Math.max(Math.sqrt(Math.max(0, zConc) * Math.max(0, zDur)), Math.sqrt(Math.max(0, zRate) * Math.max(0, zCost)))
      const open = held.get(`${r.tenant_id}\u0000${r.install_id}`)
      const zHeld = Math.min(Z_CAP, open?.z ?? 0)
      const long = overlong.get(`${r.tenant_id}\u0000${r.install_id}`)
      const zLong = Math.min(Z_CAP, long?.z ?? 0)
      const combined = Math.max(zZombie, tooFew ? 0 : relative, zHeld, zLong)
      const score = zToScore(combined, s.zAlert)
      const reasons: string[] = []
      if (r.zombie_streams > 0)
        reasons.push(`${r.zombie_streams} zombie stream(s): open for minutes with almost no output (under ${r.zombie_line ?? 'the zombie line'})`)
      if (open?.window && zHeld >= s.zAlert / 2 && open.window.z >= zHeld)
        reasons.push(
          `${open.window.extras} of its ${open.window.streams} long streams in the window opened while another was still running (a phone shows its long answers one after another, a second beside one at rate ${open.pairRate.toFixed(3)}; z ${open.window.z.toFixed(1)})`,
        )
      else if (open && zHeld >= s.zAlert / 2)
        reasons.push(
          `${open.streams} streams open at once now, each for ${(open.youngestMs / 1000).toFixed(0)} s or more (a phone holds one answer, a second beside it at rate ${open.pairRate.toFixed(3)}; z ${zHeld.toFixed(1)})`,
        )
      if (long && zLong >= s.zAlert / 2)
        reasons.push(
          `a stream still answering at ${long.tokens} output tokens, ${(long.tokens / long.line).toFixed(1)}x the longest answers of ${long.feature} (${long.line} tokens: the ${ANSWER_LINE_RANK}th longest install's in the hour, at least ${ANSWER_LINE_FLOOR}): no single answer runs that long, a connection used as a pipe`,
        )
      if (tooFew && relative >= s.zAlert / 2) {
        reasons.push(`only ${list.length} installs streamed in this tenant in the window: too few to compare against (${MIN_STREAM_INSTALLS} needed)`)
      } else if (!tooFew && zConc >= s.zAlert / 2)
        reasons.push(`${r.max_concurrent} streams open at once (feature median ${conc.band.median.toFixed(0)}, z ${zConc.toFixed(1)})`)
      if (!tooFew && zDur >= s.zAlert / 2)
        reasons.push(
          `typical stream ${(r.median_duration_ms / 1000).toFixed(0)} s, longest ${(r.max_duration_ms / 1000).toFixed(0)} s (installs' median ${(dur.band.median / 1000).toFixed(0)} s, z ${zDur.toFixed(1)})`,
        )
      if (!tooFew && zRate >= s.zAlert / 2)
        reasons.push(`${r.client_disconnects} of ${r.streams} streams cut by the client (tenant rate ${(p0 * 100).toFixed(1)}%)`)
      if (!tooFew && zCost >= s.zAlert / 2) reasons.push(`abandoned streams still cost ${(r.disconnect_cost_micros / 1e6).toFixed(4)} USD`)
      rows.push({
        tenant_id: r.tenant_id,
        install_id: r.install_id,
        score,
        severity: severityFor(score),
        reasons,
        streams: r.streams,
        max_concurrent: r.max_concurrent,
        max_duration_ms: r.max_duration_ms,
        zombie_streams: r.zombie_streams,
        client_disconnects: r.client_disconnects,
        disconnect_cost_micros: r.disconnect_cost_micros,
        cost_micros: r.cost_micros,
        metrics: {
          concurrency: { value: r.max_concurrent, band: conc.band, z: zConc },
          duration: { value: r.median_duration_ms, band: dur.band, z: zDur },
          disconnect_rate: { value: rates[i], band: rateBand, z: zRate },
        },
      })
    })
  }
  return rows.sort((a, b) => b.score - a.score || b.cost_micros - a.cost_micros)
}

/**
 * Adds streams still open (their progress reports) to the closed ones: a
 * zombie is counted once it has been open zombieMinMs at under the token
 * rate, without waiting for it to close or time out, and streams open now
 * count towards concurrency. An install's zombies are the larger of its
 * closed and open counts (a stream that closed moments ago may be in both).
 *
 * An open stream has lasted at least its elapsed time, so it counts towards
 * the install's typical (median) stream length too: the median of its closed
 * streams (each closed stream standing at that median, the only value the
 * window query returns) and its open streams at their elapsed time. Without
 * it an install holding six long streams open beside a few short ones it
 * closed earlier kept its short median, and "long AND many at once" waited
 * for the long streams to close (10 minutes in the held-out red-team case).
 * An open stream carries its feature, so it is judged against its feature's
 * zombie line (`lines`; the absolute line without them).
 */
export function medianWithOpen(closed: number, closedMedian: number, openElapsed: number[]): number {
  if (openElapsed.length === 0) return closedMedian
  const all = [...openElapsed, ...Array.from({ length: closed }, () => closedMedian)].sort((a, b) => a - b)
  return all[Math.floor((all.length - 1) / 2)]
}

export function mergeOpenStreams(
  stats: StreamStats[],
  open: import('./open-streams').OpenStream[],
  s: Pick<DetectionSettings, 'zombieMinMs' | 'zombieMaxTokensPerSec' | 'zombieFeatureRateFraction'>,
  lines: ZombieLines = absoluteZombieLines(s),
): void {
  type Open = { tenant: string; install: string; open: number; zombies: number; longest: number; elapsed: number[]; line?: string }
  const byInstall = new Map<string, Open>()
  for (const o of open) {
    const key = `${o.tenant_id}\u0000${o.install_id}`
    const cur = byInstall.get(key) ?? { tenant: o.tenant_id, install: o.install_id, open: 0, zombies: 0, longest: 0, elapsed: [] }
    cur.open++
    cur.longest = Math.max(cur.longest, o.elapsed_ms)
    cur.elapsed.push(o.elapsed_ms)
    const line = lines.feature(o.tenant_id, o.feature)
    if (isZombie(o.elapsed_ms, o.completion_tokens, line.tokensPerSec, s)) {
      cur.zombies++
      cur.line = line.basis
    }
    byInstall.set(key, cur)
  }
  const index = new Map(stats.map((r) => [`${r.tenant_id}\u0000${r.install_id}`, r]))
  for (const [key, o] of byInstall) {
    const r = index.get(key)
    if (r) {
      r.zombie_streams = Math.max(r.zombie_streams, o.zombies)
      if (o.line) r.zombie_line = o.line
      r.max_concurrent = Math.max(r.max_concurrent, o.open)
      r.max_duration_ms = Math.max(r.max_duration_ms, o.longest)
      r.median_duration_ms = medianWithOpen(r.streams, r.median_duration_ms, o.elapsed)
    } else {
      stats.push({
        tenant_id: o.tenant,
        install_id: o.install,
        streams: o.open,
        max_duration_ms: o.longest,
        median_duration_ms: o.longest,
        zombie_streams: o.zombies,
        client_disconnects: 0,
        disconnect_cost_micros: 0,
        cost_micros: 0,
        max_concurrent: o.open,
        zombie_line: o.line,
      })
    }
  }
}

/**
 * Stream abuse over the window ending at `now`. With `kept` (the detector's
 * own 30 s runs, detect-all.ts) the window's streams come from the minutes
 * kept between runs (stream-window-minutes.ts); otherwise (rankings, exports:
 * any range, any `now`) from streamInstallsSql: the same rows.
 */
export async function detectStreamAbuse(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; fromMs?: number; limit?: number; kept?: boolean } = {},
): Promise<StreamAbuseRow[]> {
  const fromMs = opts.fromMs ?? now - s.windowMinutes * 60_000
  const lines = await timePhase(`${SUB}zombie lines`, () => zombieLines(store, now, s, opts.tenant))
  const stats: StreamStats[] = opts.kept
    ? await timePhase(`${SUB}window minutes`, () => keptStreamStats(store, fromMs, now, s, opts.tenant, lines))
    : (
        await timePhase(`${SUB}window SQL`, () =>
          selectRows<Record<string, unknown>>(store, streamInstallsSql(store.database), {
            from: toSec(fromMs),
            to: toSec(now) + 1,
            tenant: opts.tenant ?? '',
            ...lines.sqlParams(),
          }),
        )
      ).map((r) => ({
        tenant_id: String(r.tenant_id),
        install_id: String(r.install_id),
        streams: num(r.streams),
        max_duration_ms: num(r.max_duration_ms),
        median_duration_ms: num(r.median_duration_ms),
        zombie_streams: num(r.zombie_streams),
        client_disconnects: num(r.client_disconnects),
        disconnect_cost_micros: num(r.disconnect_cost_micros),
        cost_micros: num(r.cost_micros),
        max_concurrent: num(r.max_concurrent),
      }))
  let held: Map<string, OpenConcurrency> = new Map()
  let overlong: Map<string, Overlong> = new Map()
  if (opts.fromMs === undefined) {
    const open = await timePhase(`${SUB}open streams`, () => openStreams(store, now, { tenant: opts.tenant }))
    overlong = overlongStreams(open, (tenant, feature) => lines.answerLine(tenant, feature), s.zAlert)
    // Before the merge: the tenant's long streams as closed, not lengthened by the open ones.
    held = scoreOpenConcurrency(open, stats, s)
    // Installs holding several now: their streams over the whole window, read and judged as one (a few rows).
    if (held.size) {
      const holders = [...held.keys()].map((k) => ({ tenant_id: k.split('\u0000')[0], install_id: k.split('\u0000')[1] }))
      const history = await timePhase(`${SUB}held streams`, () => heldWindowStreams(store, holders, fromMs, now))
      held = scoreOpenConcurrency(open, stats, s, history)
    }
    mergeOpenStreams(stats, open, s, lines)
  }
  for (const r of stats)
    if (r.zombie_streams > 0 && !r.zombie_line)
      r.zombie_line = `${lines.tenant(r.tenant_id).basis}, the tenant's lowest line (a closed stream's feature is not kept)`
  const rows = await timePhase(`${SUB}scoring`, async () => scoreStreamAbuse(stats, s, held, overlong))
  // Zombies one per install over many installs (stream-zombie-group.ts); the holders' versions only when a group can form.
  const holders = zombieHolders(stats)
  if (holders.length) {
    const versions = await timePhase(`${SUB}zombie group versions`, () => windowVersions(store, holders, fromMs, now))
    rows.push(...zombieGroups(stats, s.zAlert, versions))
    rows.sort((a, b) => b.score - a.score || b.cost_micros - a.cost_micros)
  }
  const limit = opts.limit ?? 50
  return rows.filter((r, i) => i < limit || r.score >= FINDING_MIN_SCORE)
}
