import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { HttpError } from '../errors'
import { offsetLimitFields } from '../paging'
import { epochMs, tenantFilter } from '../time-range'
import { detectCostAnomalies } from './cost-anomalies'
import { holdDeclaredRows } from './declared-test-traffic'
import { attachRejectionMix, farmClustersInWindow } from './emulator-farms'
import { attachSeries, scorePromptBombingWindow } from './prompt-bombing'
import type { DetectionSettings } from './settings'
import { detectStreamAbuse } from './stream-abuse'
import { detectTokenReuse } from './token-reuse-detect'
import {
  DETECTOR_NAMES,
  RANKING_SORTS,
  type AnyDetectorRanking,
  type DetectorName,
  type DetectorRanking,
  type RankingRows,
  type RankingSort,
  type SortDir,
} from './types'

/** Widest window a ranking may scan: per-install detectors read minute rollups or raw stream events. */
export const MAX_RANKING_RANGE_MS: Record<DetectorName, number> = {
  prompt_bombing: 24 * 3_600_000,
  stream_abuse: 24 * 3_600_000,
  token_reuse: 24 * 3_600_000,
  emulator_farms: 7 * 86_400_000,
  cost_anomalies: 0, // always "as of `to`": recent window against its baseline
}

export const detectorNameParam = z.enum(DETECTOR_NAMES)

const ANY_SORT = [...new Set(Object.values(RANKING_SORTS).flat())] as [string, ...string[]]

/** Range, tenant and page of a ranking. `sort` must also be one of the detector's own (rankingSort). */
export const rankingQuery = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  tenant: tenantFilter.default(''),
  ...offsetLimitFields(50, 200),
  sort: z.enum(ANY_SORT).optional(),
  dir: z.enum(['asc', 'desc']).default('desc'),
})
export type RankingQuery = z.infer<typeof rankingQuery>

export function rankingSort<N extends DetectorName>(name: N, sort: string | undefined): RankingSort<N> {
  const allowed: readonly string[] = RANKING_SORTS[name]
  if (sort === undefined) return 'score'
  if (!allowed.includes(sort)) throw new HttpError(400, `sort for ${name} must be one of: ${allowed.join(', ')}`)
  return sort as RankingSort<N>
}

/** The window a detector reads for a request: `to` defaults to now, `from` to the detector's own look-back. */
export function rankingWindow(name: DetectorName, s: DetectionSettings, q: { from?: number; to?: number }, now: number): { from: number; to: number } {
  const to = Math.min(q.to ?? now, now)
  const defaultSpan = name === 'emulator_farms' ? s.farmWindowMinutes * 60_000 : s.windowMinutes * 60_000
  const from = q.from ?? to - defaultSpan
  if (!(from < to)) throw new HttpError(400, 'from must be before to')
  if (name !== 'cost_anomalies' && to - from > MAX_RANKING_RANGE_MS[name]) {
    throw new HttpError(400, `time range for ${name} is limited to ${MAX_RANKING_RANGE_MS[name] / 3_600_000} h`)
  }
  return { from, to }
}

type SortValues<N extends DetectorName> = Record<RankingSort<N>, (r: RankingRows[N]) => number>

const SORT_VALUES: { [N in DetectorName]: SortValues<N> } = {
  prompt_bombing: {
    score: (r) => r.score,
    tokens_per_minute: (r) => r.metrics.tokens_per_minute.value,
    context_tokens: (r) => r.metrics.context_tokens.value,
    concurrent_streams: (r) => r.metrics.concurrent_streams.value,
    cost_micros: (r) => r.cost_micros,
    spend_share: (r) => r.spend_share,
    requests: (r) => r.requests,
  },
  emulator_farms: {
    score: (r) => r.score,
    size: (r) => r.size,
    cost_micros: (r) => r.cost_micros,
    new_installs: (r) => r.new_installs,
    attest_rejected: (r) => r.attest_rejected,
    last_seen: (r) => r.last_seen,
  },
  cost_anomalies: { score: (r) => r.score, ratio: (r) => r.ratio, cost_micros: (r) => r.cost_micros, requests: (r) => r.requests },
  stream_abuse: {
    score: (r) => r.score,
    max_concurrent: (r) => r.max_concurrent,
    zombie_streams: (r) => r.zombie_streams,
    client_disconnects: (r) => r.client_disconnects,
    cost_micros: (r) => r.cost_micros,
  },
  token_reuse: { score: (r) => r.score, overlaps: (r) => r.overlaps, switches: (r) => r.switches, events: (r) => r.events },
}

const SUBJECT: { [N in DetectorName]: (r: RankingRows[N]) => string } = {
  prompt_bombing: (r) => r.install_id,
  emulator_farms: (r) => r.cluster_id,
  cost_anomalies: (r) => r.subject,
  stream_abuse: (r) => r.install_id,
  token_reuse: (r) => r.install_id,
}

/** Where a subject can hold several rows (an install per feature), the tie-break key that tells them apart. */
const TIE_KEY: { [N in DetectorName]?: (r: RankingRows[N]) => string } = {
  prompt_bombing: (r) => `${r.tenant_id}/${r.install_id}/${r.feature}`,
}

type Paged<N extends DetectorName> = Pick<DetectorRanking<N>, 'rows' | 'total' | 'offset' | 'limit' | 'sort' | 'dir' | 'summary'>

/**
 * One page of a whole ranking. Scores come from code over the detector's
 * whole population, so the order is applied here, not in SQL. Ties are broken
 * by the subject: each page recomputes the ranking, and the detector's own
 * order of equal rows comes from SQL without a unique ORDER BY, so it can
 * differ between two calls; with the subject as the last key, pages never
 * overlap or skip a row.
 */
export function pageRanking<N extends DetectorName>(
  name: N,
  all: RankingRows[N][],
  q: { sort: RankingSort<N>; dir: SortDir; offset: number; limit: number },
): Paged<N> {
  const value = (SORT_VALUES[name] as SortValues<N>)[q.sort]
  const subject = (TIE_KEY[name] ?? SUBJECT[name]) as (r: RankingRows[N]) => string
  const sign = q.dir === 'asc' ? 1 : -1
  const sorted = [...all].sort((a, b) => {
    const d = value(a) - value(b)
    if (d !== 0 && !Number.isNaN(d)) return sign * d
    const sa = subject(a)
    const sb = subject(b)
    return sa < sb ? -1 : sa > sb ? 1 : 0
  })
  const flagged = all.filter((r) => r.severity)
  const top = all.reduce<RankingRows[N] | null>((best, r) => (!best || r.score > best.score ? r : best), null)
  return {
    rows: sorted.slice(q.offset, q.offset + q.limit),
    total: all.length,
    offset: q.offset,
    limit: q.limit,
    sort: q.sort,
    dir: q.dir,
    summary: {
      flagged: flagged.length,
      flagged_cost_micros: flagged.reduce((sum, r) => sum + r.cost_micros, 0),
      top_score: top?.score ?? 0,
      top_subject: top ? (SUBJECT[name] as (r: RankingRows[N]) => string)(top) : null,
    },
  }
}

/** One page of a detector's current ranking (or as of `to`), from the same computation the alerts come from; rows on declared test traffic held as the alerts hold them. */
export async function detectorRanking(store: Store, s: DetectionSettings, name: DetectorName, q: RankingQuery, now: number): Promise<AnyDetectorRanking> {
  const { from, to } = rankingWindow(name, s, q, now)
  const page = { dir: q.dir, offset: q.offset, limit: q.limit }
  const opts = { tenant: q.tenant, fromMs: from }
  const base = { from, to, generated_at: now }
  switch (name) {
    case 'prompt_bombing': {
      const sort = rankingSort(name, q.sort)
      const r = await scorePromptBombingWindow(store, s, to, opts)
      const p = pageRanking(name, await holdDeclaredRows(store, r.rows, now), { ...page, sort })
      await attachSeries(store, p.rows, from, to)
      return { ...base, ...p, detector: name, context: { concentration: r.concentration.slice(0, 20), notes: [] } }
    }
    case 'emulator_farms': {
      const sort = rankingSort(name, q.sort)
      const all = (await farmClustersInWindow(store, s, to, opts)).map((c) => c.cluster)
      const p = pageRanking(name, await holdDeclaredRows(store, all, now), { ...page, sort })
      await attachRejectionMix(store, p.rows, from)
      return { ...base, ...p, detector: name, context: { notes: ['attestation counts of members are all-time'] } }
    }
    case 'cost_anomalies': {
      const sort = rankingSort(name, q.sort)
      const all = await detectCostAnomalies(store, s, to, { tenant: q.tenant, limit: Infinity })
      const p = pageRanking(name, all, { ...page, sort })
      return {
        ...base,
        ...p,
        from: to - s.costWindowMinutes * 60_000,
        detector: name,
        context: { notes: [`last ${s.costWindowMinutes} min against the baseline; from is ignored`] },
      }
    }
    case 'stream_abuse': {
      const sort = rankingSort(name, q.sort)
      const all = await holdDeclaredRows(store, await detectStreamAbuse(store, s, to, { ...opts, limit: Infinity }), now)
      return { ...base, ...pageRanking(name, all, { ...page, sort }), detector: name, context: { notes: [] } }
    }
    case 'token_reuse': {
      const sort = rankingSort(name, q.sort)
      const all = await holdDeclaredRows(store, await detectTokenReuse(store, s, to, { ...opts, limit: Infinity }), now)
      return {
        ...base,
        ...pageRanking(name, all, { ...page, sort }),
        detector: name,
        context: { notes: ['installs seen from two networks (ASN or country) in the range'] },
      }
    }
  }
}
