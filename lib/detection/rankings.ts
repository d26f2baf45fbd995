import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { detectCostAnomalies } from './cost-anomalies'
import { detectEmulatorFarms } from './emulator-farms'
import { detectPromptBombing } from './prompt-bombing'
import type { DetectionSettings } from './settings'
import { detectStreamAbuse } from './stream-abuse'
import { DETECTOR_NAMES, type AnyDetectorRanking, type DetectorName } from './types'

/** Widest window a ranking may scan: per-install detectors read minute rollups or raw stream events. */
export const MAX_RANKING_RANGE_MS: Record<DetectorName, number> = {
  prompt_bombing: 24 * 3_600_000,
  stream_abuse: 24 * 3_600_000,
  emulator_farms: 7 * 86_400_000,
  cost_anomalies: 0, // always "as of `to`": recent window against its baseline
}

const epochMs = z.union([
  z.coerce.number().int().min(0).max(8_640_000_000_000),
  z.string().max(40).datetime({ offset: true }).transform((s) => Date.parse(s)),
])

export const detectorNameParam = z.enum(DETECTOR_NAMES)

export const rankingQuery = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  tenant: z.string().max(64).regex(/^[A-Za-z0-9._:@/+=-]*$/).default(''),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
export type RankingQuery = z.infer<typeof rankingQuery>

export class RankingRangeError extends Error {}

/** A detector's current ranking (or as of `to`), the same computation the alerts come from. */
export async function detectorRanking(store: Store, s: DetectionSettings, name: DetectorName, q: RankingQuery, now: number): Promise<AnyDetectorRanking> {
  const to = Math.min(q.to ?? now, now)
  const defaultSpan = name === 'emulator_farms' ? s.farmWindowMinutes * 60_000 : s.windowMinutes * 60_000
  const from = q.from ?? to - defaultSpan
  if (!(from < to)) throw new RankingRangeError('from must be before to')
  if (name !== 'cost_anomalies' && to - from > MAX_RANKING_RANGE_MS[name]) {
    throw new RankingRangeError(`time range for ${name} is limited to ${MAX_RANKING_RANGE_MS[name] / 3_600_000} h`)
  }
  const opts = { tenant: q.tenant, fromMs: from, limit: q.limit }
  const base = { from, to, generated_at: now }
  switch (name) {
    case 'prompt_bombing': {
      const r = await detectPromptBombing(store, s, to, opts)
      return { ...base, detector: name, rows: r.rows.slice(0, q.limit), context: { concentration: r.concentration.slice(0, 20), notes: [] } }
    }
    case 'emulator_farms':
      return { ...base, detector: name, rows: (await detectEmulatorFarms(store, s, to, opts)).slice(0, q.limit), context: { notes: ['attestation counts of members are all-time'] } }
    case 'cost_anomalies':
      return { ...base, from: to - s.costWindowMinutes * 60_000, detector: name, rows: (await detectCostAnomalies(store, s, to, { tenant: q.tenant, limit: q.limit })).slice(0, q.limit), context: { notes: [`last ${s.costWindowMinutes} min against the baseline; from is ignored`] } }
    case 'stream_abuse':
      return { ...base, detector: name, rows: (await detectStreamAbuse(store, s, to, opts)).slice(0, q.limit), context: { notes: [] } }
  }
}
