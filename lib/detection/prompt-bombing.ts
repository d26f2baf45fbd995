import type { Store } from '../clickhouse/client'
import { applyPooled, pooledAcrossFeatures, pooledLeadKeys } from './bombing-features-pooled'
import { timePhase } from './phase-cost'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { ALERT_SCORE, FINDING_MIN_SCORE, severityFor, type DetectionSettings } from './settings'
import { installSeriesSql } from './sql/install-series'
import { installUsageSql } from './sql/install-usage'
import { installUsageBandsSql } from './sql/install-usage-bands'
import { ConversationCheck, grownReason } from './bombing-conversations'
import { cusumZ, detectSequentialBombing, SEQ_WINDOW_MINUTES, type BombingGroup, type SequentialEvidence } from './bombing-sequential'
import { openByInstallFeature, openStreams } from './open-streams'
import { rescoreOnOwnPast } from './bombing-window-own'
import { spareCommonTailFindings } from './bombing-common-tail'
import type { RunProfiles } from './run-profiles'
import {
  addOpenStreams,
  byScore,
  CANDIDATE_SCORE_Z,
  MIN_FEATURE_INSTALLS,
  scoreAgainst,
  scorePromptBombing,
  type FeatureBands,
  type PromptBombingResult,
  type UsageRow,
} from './prompt-bombing-score'
import { bandsOfRow, usageOf } from './prompt-bombing-rows'
import { keptWindowUsage, windowCandidates } from './bombing-window-minutes'
import { MIN_LOG_SIGMA, MIN_LOG_SIGMA_COUNT, zToScore } from './stats'
import type { PromptBombingRow, SeriesPoint } from './types'

export {
  addOpenStreams,
  combinedZ,
  featureBands,
  MIN_FEATURE_INSTALLS,
  scoreInstall,
  scorePromptBombing,
  type FeatureBands,
  type PromptBombingResult,
  type UsageRow,
} from './prompt-bombing-score'

/** Prefix of the window pass's sub-phases in the bench's CPU breakdown (phase-cost.ts). */
const BANDS = 'prompt_bombing:   window bands: '
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
/** What the sustained reason compares with (bombing-baselines.ts sources). */
const BASELINE_NAMES: Record<string, string> = {
  own: "the install's own usual median",
  current: "the feature's current median (every user's requests moved)",
  version: "its app version's median",
}

/** Scores every install active in the window ending at `now` (the ranking: every row); rows come without series (attachSeries). */
export async function scorePromptBombingWindow(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; fromMs?: number; live?: boolean } = {},
): Promise<PromptBombingResult> {
  const fromMs = opts.fromMs ?? now - s.windowMinutes * 60_000
  const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant: opts.tenant ?? '', only: [] }
  const usage = (await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), params)).map(usageOf)
  if (opts.live) addOpenStreams(usage, openByInstallFeature(await openStreams(store, now, { tenant: opts.tenant })))
  return scorePromptBombing(usage, s)
}

/** The window pass's result; `windowUsage`: every install's closed requests in the window, when kept. */
type WindowPass = PromptBombingResult & { bands: Map<string, FeatureBands>; windowUsage?: UsageRow[] }

/**
 * The detector's window pass: the bands and the candidates (installs with
 * open streams among them), whose open streams' progress reports are added
 * before scoring. From the install minutes kept between runs
 * (bombing-window-minutes.ts), or with `kept: false` computed in ClickHouse,
 * only candidates coming back (installUsageBandsSql; the same bands and
 * candidates, plus one arbitrary row per feature that carries its bands). The bands are
 * those of closed requests: an open stream moves its own install, not the
 * feature's median. `concentration` is not computed here (the ranking does).
 */
export async function scorePromptBombingCandidates(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; kept?: boolean } = {},
): Promise<WindowPass> {
  const open = openByInstallFeature(await timePhase(`${BANDS}open streams`, () => openStreams(store, now, { tenant: opts.tenant })))
  const openInstalls = [...new Set([...open.keys()].map((k) => k.split('\u0000')[2]))]
  const params = {
    from: toSec(now - s.windowMinutes * 60_000),
    to: toSec(now) + 1,
    tenant: opts.tenant ?? '',
    only: [],
    installs: openInstalls,
    zmin: CANDIDATE_SCORE_Z * s.zAlert,
    minRequests: s.minRequests,
    minInstalls: MIN_FEATURE_INSTALLS,
    minSigma: MIN_LOG_SIGMA,
    minSigmaCount: MIN_LOG_SIGMA_COUNT,
  }
  let bands = new Map<string, FeatureBands>()
  let usage: UsageRow[]
  let all: UsageRow[] | undefined
  if (opts.kept !== false) {
    // The window's install minutes kept between runs (bombing-window-minutes.ts); bands and candidates as the SQL's.
    const window = await timePhase(`${BANDS}window minutes`, () => keptWindowUsage(store, now - s.windowMinutes * 60_000, now, opts.tenant))
    const picked = await timePhase(`${BANDS}bands`, async () => windowCandidates(window, s, params.zmin, new Set(openInstalls)))
    all = window
    bands = picked.bands
    // Copies: the open streams are added to the candidates, and `all` stays the closed requests' (addSequentialRows).
    usage = picked.candidates.map((u) => ({ ...u }))
  } else {
    const raw = await timePhase(`${BANDS}bands SQL`, () =>
      selectRows<Record<string, unknown>>(store, installUsageBandsSql(installUsageSql(store.database)), params),
    )
    for (const r of raw) if (num(r.rn) === 1) bands.set(`${r.tenant_id}\u0000${r.feature}`, bandsOfRow(r))
    usage = raw.map(usageOf)
  }
  addOpenStreams(usage, open)
  // The own past ends where the sequential test's window starts (30 min), not at this window's (15 min): an
  // attack's first quarter hour must not become its own reference while its evidence is still building.
  const ownPastEnd = now - Math.max(s.windowMinutes, SEQ_WINDOW_MINUTES) * 60_000
  // Kept: the sequential test's own-history minutes (install-history.ts), when they are the same 90 minutes.
  const keptPast = opts.kept !== false && s.windowMinutes <= SEQ_WINDOW_MINUTES
  const own = await timePhase(`${BANDS}own past`, () =>
    rescoreOnOwnPast(store, s, scoreAgainst(usage, bands, s), usage, bands, ownPastEnd, opts.tenant, keptPast),
  )
  // In a feature whose users paste long documents, a finding carried by such requests is judged by their count (bombing-common-tail.ts).
  const rows = await timePhase(`${BANDS}common tail`, async () =>
    (await spareCommonTailFindings(store, s, own, now, now - SEQ_WINDOW_MINUTES * 60_000, opts.tenant)).sort(byScore),
  )
  return { rows, concentration: [], bands, windowUsage: all }
}

/** Runs the prompt-bombing detector for the window ending at `now` (with `fromMs`: a past range, every install scored). */
export async function detectPromptBombing(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; fromMs?: number; limit?: number; profiles?: RunProfiles } = {},
): Promise<PromptBombingResult> {
  const fromMs = opts.fromMs ?? now - s.windowMinutes * 60_000
  let result: PromptBombingResult
  if (opts.fromMs !== undefined) result = await scorePromptBombingWindow(store, s, now, { tenant: opts.tenant, fromMs })
  else {
    const live = await timePhase('prompt_bombing: window bands', () => scorePromptBombingCandidates(store, s, now, { tenant: opts.tenant }))
    result = live
    // Active installs per feature (last DETECT_WINDOW_MINUTES) for the group count, from the bands already computed.
    const activeInstalls = new Map([...live.bands].map(([k, b]) => [k, b.installs]))
    const conversations = new ConversationCheck(store, now - SEQ_WINDOW_MINUTES * 60_000, now)
    const seq = await timePhase('prompt_bombing: sequential, moderate and groups', () =>
      detectSequentialBombing(store, s, now, { tenant: opts.tenant, activeInstalls, conversations, profiles: opts.profiles }),
    )
    await timePhase('prompt_bombing: sequential rows', () => addSequentialRows(store, s, now, live, seq.evidence, opts.tenant))
    mergeSequential(result, seq, s.zAlert)
    await timePhase('prompt_bombing: conversations', () => spareConversations(result.rows, conversations))
  }
  const limit = opts.limit ?? 50
  // Series only for the rows anyone will look at: flagged ones and the top of the ranking.
  result.rows = result.rows.filter((r, i) => i < limit || r.score >= FINDING_MIN_SCORE)
  await timePhase('prompt_bombing: series', () => attachSeries(store, result.rows, fromMs, now))
  return result
}

/**
 * Installs whose cumulative evidence alone makes a finding but that were not
 * window candidates (moderate excess, or a feature too small for the window
 * test): their window rows are read and scored so the finding has them.
 */
async function addSequentialRows(
  store: Store,
  s: DetectionSettings,
  now: number,
  live: WindowPass,
  evidence: SequentialEvidence[],
  tenant?: string,
): Promise<void> {
  const have = new Set(live.rows.map((r) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`))
  const pooled = new Set(pooledLeadKeys(pooledAcrossFeatures(evidence), s.zAlert, FINDING_MIN_SCORE))
  const missing = evidence.filter(
    (e) =>
      (zToScore(cusumZ(e.cusum), s.zAlert) >= FINDING_MIN_SCORE || pooled.has(`${e.tenant_id}\u0000${e.feature}\u0000${e.install_id}`)) &&
      !have.has(`${e.tenant_id}\u0000${e.feature}\u0000${e.install_id}`),
  )
  if (missing.length === 0) return
  const params = { from: toSec(now - s.windowMinutes * 60_000), to: toSec(now) + 1, tenant: tenant ?? '', only: [...new Set(missing.map((e) => e.install_id))] }
  // The window pass's kept usage of every install holds their rows (the same window and sums as the SQL's).
  const usage = live.windowUsage ?? (await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), params)).map(usageOf)
  const wanted = new Set(missing.map((e) => `${e.tenant_id}\u0000${e.feature}\u0000${e.install_id}`))
  live.rows.push(
    ...scoreAgainst(
      usage.filter((u) => wanted.has(`${u.tenant_id}\u0000${u.feature}\u0000${u.install_id}`)),
      live.bands,
      s,
    ),
  )
  live.rows.sort(byScore)
}

/**
 * The window test's findings on installs whose large requests are one conversation growing turn by turn
 * (bombing-conversations.ts) stay under the alert line, with the reason: the cumulative test already set theirs aside.
 */
async function spareConversations(rows: PromptBombingRow[], conversations: ConversationCheck): Promise<void> {
  const raised = rows.filter((r) => r.score >= ALERT_SCORE && !r.group)
  if (!raised.length) return
  const medians = new Map(raised.map((r) => [`${r.tenant_id}\u0000${r.feature}`, r.metrics.context_tokens.band.median]))
  const grown = await conversations.grown(raised, (t, f) => medians.get(`${t}\u0000${f}`) ?? 0)
  for (const r of raised) {
    if (!grown.has(`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`)) continue
    r.score = ALERT_SCORE - 1
    r.severity = severityFor(r.score)
    r.reasons.unshift(grownReason(conversations.shape(r.tenant_id, r.feature, r.install_id)!))
  }
}

/** Fills each row's tokens-per-minute series over the window [fromMs, now]. */
export async function attachSeries(store: Store, rows: PromptBombingRow[], fromMs: number, now: number): Promise<void> {
  if (rows.length === 0) return
  const params = { from: toSec(fromMs), to: toSec(now) + 1 }
  const series = await selectRows<{ install_id: string; feature: string; t: number | string; tokens: number | string }>(
    store,
    installSeriesSql(store.database),
    { ...params, tenants: [...new Set(rows.map((r) => r.tenant_id))], installs: rows.map((r) => r.install_id) },
  )
  const byKey = new Map<string, SeriesPoint[]>()
  for (const p of series) {
    const key = `${p.install_id}\u0000${p.feature}`
    const list = byKey.get(key) ?? []
    list.push({ t: num(p.t), value: num(p.tokens) })
    byKey.set(key, list)
  }
  for (const r of rows) r.series = byKey.get(`${r.install_id}\u0000${r.feature}`) ?? []
}

const seqOf = (e: SequentialEvidence): NonNullable<PromptBombingRow['sequential']> => ({
  cusum: e.cusum,
  cusum_peak: e.cusum_peak,
  llr_total: e.llr_total,
  elevation_z: e.elevation_z,
  requests: e.requests,
  mean_context: e.mean_context,
  baseline_median: e.baseline_median,
  baseline_sigma: e.baseline_sigma,
  baseline_source: e.baseline_source,
  since: e.since,
})

/**
 * Folds the cumulative evidence into the window's rows: an install scores the
 * higher of its window z and its CUSUM z, and group findings are added as
 * rows of their own. Installs of features too small for the window detector
 * are scored here too: their baseline is the feature's own history, shrunk
 * towards the tenant's.
 */
export function mergeSequential(result: PromptBombingResult, seq: { evidence: SequentialEvidence[]; groups: BombingGroup[] }, zAlert: number): void {
  const byKey = new Map(result.rows.map((r) => [`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`, r]))
  for (const e of seq.evidence) {
    const r = byKey.get(`${e.tenant_id}\u0000${e.feature}\u0000${e.install_id}`)
    if (!r) continue
    r.sequential = seqOf(e)
    const score = zToScore(cusumZ(e.cusum), zAlert)
    if (score <= r.score) continue
    r.score = score
    r.severity = severityFor(score)
    r.reasons = r.reasons.filter((x) => !x.startsWith('only '))
    r.reasons.unshift(
      `sustained: ${e.requests} requests averaging ${fmt(e.mean_context)} context tokens, ${(e.mean_context / Math.max(1, e.baseline_median)).toFixed(1)}x ${BASELINE_NAMES[e.baseline_source] ?? "the feature's usual median"} of ${fmt(e.baseline_median)}; cumulative evidence z ${cusumZ(e.cusum).toFixed(1)}`,
    )
  }
  // One install over several features at once: their evidence pooled (bombing-features-pooled.ts).
  applyPooled(result.rows, pooledAcrossFeatures(seq.evidence), zAlert)
  result.groups = seq.groups.map((g) => {
    const lead = g.members.reduce((a, b) => (b.llr_total > a.llr_total ? b : a))
    const empty = { value: 0, band: { median: 0, mad: 0, p90: 0, p99: 0, n: 0 }, z: 0 }
    return {
      tenant_id: g.tenant_id,
      install_id: g.subject,
      feature: g.feature,
      score: g.score,
      severity: severityFor(g.score),
      reasons: g.reasons,
      requests: g.members.reduce((a, m) => a + m.requests, 0),
      active_minutes: 0,
      cost_micros: 0,
      spend_share: 0,
      metrics: {
        tokens_per_minute: empty,
        peak_tokens_per_minute: empty,
        context_tokens: { ...empty, value: lead.mean_context },
        output_tokens: empty,
        concurrent_streams: empty,
      },
      series: [],
      suggested_quota: { tokens_per_minute: 0, max_context_tokens: Math.ceil(lead.baseline_median * 3), max_concurrent_streams: 0 },
      sequential: seqOf(lead),
      group: { kind: g.kind, trait: g.trait, value: g.value, installs: g.installs, elevated: g.elevated },
      members: g.members
        .map((m) => m.install_id)
        .sort()
        .slice(0, 500),
    }
  })
}
