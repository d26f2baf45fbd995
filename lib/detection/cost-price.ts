import { baselineOf, MIN_MINUTE_SAMPLES } from './cost-baselines'
import type { VersionMinute } from './cost-anomalies'
import { defaultPriceBook, type PriceBook } from '../pricing/cost'
import { severityFor, type DetectionSettings } from './settings'
import { MAD_TO_SIGMA, zToScore } from './stats'
import type { CostAnomalyRow } from './types'

/**
 * Price lens of the cost detector (subject `tenant/model`): what the gateway
 * bills per token, against what the price catalog says those tokens cost.
 *
 * A provider's price rise, a gateway routed to a pricier tier, or prompt-cache
 * discounts that stop applying change spend with the same calls and the same
 * token counts; cost per request then moves by the price factor, often under
 * the 1.5x the request checks need to tell it from their own noise. The ratio
 * billed / catalog(tokens) of a model does not carry the request noise: the
 * tokens of a minute are priced at the catalog's price for that minute, so the
 * ratio is 1.0 for events Burnrate prices itself and the gateway's own
 * discount or markup for the others, steady from minute to minute. Per
 * tenant and model, the last cost window's ratio (sums over all features and
 * versions) is judged against the same ratio per minute over the previous
 * hours (median/MAD), its spread floored at `RATIO_SD_FLOOR` (a catalog
 * ratio is not exact: rounding per event, cache discounts that vary with the
 * traffic). Only rises alert; models the catalog does not price are skipped.
 */
export type PriceSettings = Pick<DetectionSettings, 'zAlert' | 'costMinRequests' | 'costWindowMinutes' | 'costPriceMinRatio'>

/** Smallest spread of the per-minute billed/catalog ratio, as a share of its median. */
export const RATIO_SD_FLOOR = 0.01
/** Minutes with fewer requests than this are too small for the baseline (rounding per event dominates). */
const MIN_MINUTE_REQUESTS = 3
const SERIES_MS = 3_600_000

interface ModelMinute {
  t: number
  requests: number
  cost: number
  catalog: number
}

/** Catalog cost of one minute's tokens, or null when the model has no price then. */
function catalogCost(book: PriceBook, model: string, m: VersionMinute): number | null {
  const price = book.priceAt(model, m.t)
  if (!price) return null
  return ((m.prompt_tokens ?? 0) * price.inputMicrosPerMTok + (m.completion_tokens ?? 0) * price.outputMicrosPerMTok) / 1_000_000
}

/** Pure scoring, for unit tests: one row per tenant/model with catalog-priced tokens in the window. */
export function scorePriceDrift(minutes: VersionMinute[], now: number, s: PriceSettings, book: PriceBook = defaultPriceBook): CostAnomalyRow[] {
  const recentFrom = Math.floor((now - s.costWindowMinutes * 60_000) / 60_000) * 60_000
  const series = new Map<string, Map<number, ModelMinute>>()
  for (const m of minutes) {
    if (m.prompt_tokens === undefined) continue
    const catalog = catalogCost(book, m.model, m)
    if (catalog === null) continue
    const key = `${m.tenant_id}\u0000${m.model}`
    const byMinute = series.get(key) ?? new Map<number, ModelMinute>()
    const cur = byMinute.get(m.t) ?? { t: m.t, requests: 0, cost: 0, catalog: 0 }
    cur.requests += m.requests
    cur.cost += m.cost
    cur.catalog += catalog
    byMinute.set(m.t, cur)
    series.set(key, byMinute)
  }
  const rows: CostAnomalyRow[] = []
  for (const [key, byMinute] of series) {
    const [tenant_id, model] = key.split('\u0000')
    const all = [...byMinute.values()].sort((a, b) => a.t - b.t)
    const recent = all.filter((m) => m.t >= recentFrom)
    const requests = recent.reduce((a, m) => a + m.requests, 0)
    const cost = recent.reduce((a, m) => a + m.cost, 0)
    const catalog = recent.reduce((a, m) => a + m.catalog, 0)
    if (!requests || catalog <= 0) continue
    const past = all.filter((m) => m.t < recentFrom && m.requests >= MIN_MINUTE_REQUESTS && m.catalog > 0).map((m) => m.cost / m.catalog)
    const b =
      past.length >= MIN_MINUTE_SAMPLES ? baselineOf('recent_hours', past, `billed per catalog cost of ${model}'s tokens, per minute, previous hours`) : null
    const current = cost / catalog
    const ratio = b && b.median > 0 ? current / b.median : 0
    const z = b && b.median > 0 ? (current - b.median) / Math.max(MAD_TO_SIGMA * b.mad, RATIO_SD_FLOOR * b.median) : 0
    const eligible = b !== null && requests >= s.costMinRequests && ratio >= s.costPriceMinRatio
    const score = eligible ? zToScore(z, s.zAlert) : Math.min(49, zToScore(z, s.zAlert))
    rows.push({
      kind: 'price_per_token',
      subject: `${tenant_id}/${model}`,
      subject_kind: 'tenant',
      tenant_id,
      feature: '',
      model,
      app_version: '',
      score,
      severity: severityFor(score),
      reasons: b
        ? [
            `${model} billed ${current.toFixed(2)}x its catalog price over the last ${s.costWindowMinutes} min, against ${b.median.toFixed(2)}x before ` +
              `(${ratio.toFixed(2)}x, z ${z.toFixed(1)}), with the same token counts priced: a price change, a pricier tier, ` +
              `prompt-cache discounts that stopped, or a catalog that is out of date`,
          ]
        : [],
      current,
      expected: b?.median ?? 0,
      ratio,
      z,
      requests,
      cost_micros: cost,
      baseline: b ?? { kind: 'none', median: 0, mad: 0, samples: 0, description: 'not enough history' },
      series: all.filter((m) => m.t >= now - SERIES_MS).map((m) => ({ t: m.t, value: m.cost / m.catalog })),
    })
  }
  return rows
}

/**
 * A price rise lifts the cost per request and the spend of every feature on
 * the model: one cause, one alert. A feature row (all versions) whose
 * recent model is a model with a raised price, and whose own rise the price
 * explains (ratio ≤ 1.2 × the price ratio), is kept as evidence under the
 * alert line, as version-explained feature rows are. So is a version row
 * raised by the sustained tier against its own past (a version alone on its
 * feature sees the price rise there); a version judged against the other
 * versions is a release, which the price does not explain.
 */
export function explainByPrice(rows: CostAnomalyRow[]): void {
  const raised = rows.filter((r) => r.kind === 'price_per_token' && r.severity)
  const ownPast = (r: CostAnomalyRow) => r.sustained?.decided === true && r.sustained.against === 'own_past'
  for (const p of raised)
    for (const r of rows)
      if (
        (r.kind === 'cost_per_request' || r.kind === 'spend_rate') &&
        (r.app_version === '' || ownPast(r)) &&
        r.severity &&
        r.tenant_id === p.tenant_id &&
        r.model === p.model &&
        (ownPast(r) ? r.sustained!.ratio : r.ratio) <= 1.2 * p.ratio
      ) {
        r.reasons.push(`explained by the price of ${p.model} (${p.ratio.toFixed(2)}x per token)`)
        r.score = Math.min(r.score, 49)
        r.severity = null
      }
}
