import type { Store } from '../clickhouse/client'
import { detectCostAnomalies } from '../detection/cost-anomalies'
import { farmClustersInWindow } from '../detection/emulator-farms'
import { scorePromptBombingWindow } from '../detection/prompt-bombing'
import { pageRanking, rankingSort, rankingWindow, type RankingQuery } from '../detection/rankings'
import type { DetectionSettings } from '../detection/settings'
import { detectStreamAbuse } from '../detection/stream-abuse'
import { detectTokenReuse } from '../detection/token-reuse-detect'
import type { DetectorName, FeatureConcentration, RankingRows } from '../detection/types'

export interface WholeRanking<N extends DetectorName> {
  from: number
  to: number
  rows: RankingRows[N][]
  /** Prompt bombing only: spend concentration per feature (the page's second table), largest first. */
  concentration: FeatureConcentration[]
}

/**
 * A detector's whole ranking in the order its pages have (the same detector
 * run and pageRanking as detectorRanking, with one page as long as the
 * ranking), without the per-page extras (sparklines, rejection mix) a CSV has
 * no column for. Scores exist only as the detector's output over its bounded
 * window (24 h, farms 7 d), so the ranking is in memory before the first line;
 * the export streams the lines, not the rows from the store.
 */
export async function wholeRanking<N extends DetectorName>(
  store: Store,
  s: DetectionSettings,
  name: N,
  q: RankingQuery,
  now: number,
): Promise<WholeRanking<N>> {
  const { from, to } = rankingWindow(name, s, q, now)
  const sort = rankingSort(name, q.sort)
  const opts = { tenant: q.tenant, fromMs: from }
  let all: RankingRows[DetectorName][]
  let concentration: FeatureConcentration[] = []
  switch (name) {
    case 'prompt_bombing': {
      const r = await scorePromptBombingWindow(store, s, to, opts)
      all = r.rows
      concentration = r.concentration
      break
    }
    case 'emulator_farms':
      all = (await farmClustersInWindow(store, s, to, opts)).map((c) => c.cluster)
      break
    case 'cost_anomalies':
      all = await detectCostAnomalies(store, s, to, { tenant: q.tenant, limit: Infinity })
      break
    case 'stream_abuse':
      all = await detectStreamAbuse(store, s, to, { ...opts, limit: Infinity })
      break
    default:
      all = await detectTokenReuse(store, s, to, { ...opts, limit: Infinity })
  }
  const rows = pageRanking(name, all as RankingRows[N][], { sort, dir: q.dir, offset: 0, limit: all.length }).rows
  return { from: name === 'cost_anomalies' ? to - s.costWindowMinutes * 60_000 : from, to, rows, concentration }
}
