/**
 * Response and result types of the detectors. The dashboard renders these
 * directly, and the alert store keeps a detector's evidence as JSON of these
 * shapes, so a field added here shows up in both. Times are epoch ms, money is
 * integer micro-dollars.
 */
import type { FarmMemberSort, InstallProfile } from '../install-types'
import type { OffsetPage } from '../paging'

export const DETECTOR_NAMES = ['prompt_bombing', 'emulator_farms', 'cost_anomalies', 'stream_abuse', 'token_reuse'] as const
export type DetectorName = (typeof DETECTOR_NAMES)[number]

export const SEVERITIES = ['info', 'warning', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export type SubjectKind = 'install' | 'cluster' | 'feature' | 'tenant'

/** Median and robust spread of a metric over a population, plus its upper percentiles. */
export interface Band {
  median: number
  /** Median absolute deviation (unscaled). */
  mad: number
  p90: number
  p99: number
  /** Installs (or minutes) the band was computed from. */
  n: number
}

/** One metric of a subject scored against its band. */
export interface ScoredMetric {
  value: number
  band: Band
  /** Robust z: (value - median) / (1.4826 * MAD), computed on log1p scale for heavy-tailed metrics. */
  z: number
}

export interface SeriesPoint {
  /** Start of the minute, epoch ms. */
  t: number
  value: number
}

// ---- prompt bombing -------------------------------------------------------

export interface PromptBombingRow {
  tenant_id: string
  install_id: string
  feature: string
  score: number
  severity: Severity | null
  /** Human-readable reasons the score is high, e.g. "context 14.2 σ above feature median". */
  reasons: string[]
  requests: number
  active_minutes: number
  cost_micros: number
  /** Share of the feature's spend in the window held by this install (0..1). */
  spend_share: number
  metrics: {
    tokens_per_minute: ScoredMetric
    peak_tokens_per_minute: ScoredMetric
    context_tokens: ScoredMetric
    output_tokens: ScoredMetric
    concurrent_streams: ScoredMetric
  }
  /** Tokens per minute of this install over the window, to plot against the band. */
  series: SeriesPoint[]
  /** Quota that would have capped the install while letting p99 of the feature through. */
  suggested_quota: { tokens_per_minute: number; max_context_tokens: number; max_concurrent_streams: number }
  /** Cumulative (CUSUM) evidence over the last 30 min against the feature's per-request baseline (bombing-sequential.ts). */
  sequential?: {
    cusum: number
    cusum_peak: number
    llr_total: number
    elevation_z: number
    requests: number
    mean_context: number
    baseline_median: number
    baseline_sigma: number
    baseline_source: string
    since: number
  }
  /** Group rows only (install_id is then the group's subject): what the members share and who they are. */
  group?: { kind: 'shared_trait' | 'feature_excess'; trait: string; value: string; installs: number; elevated: number }
  members?: string[]
}

export interface FeatureConcentration {
  tenant_id: string
  feature: string
  installs: number
  cost_micros: number
  /** Share of spend held by the top 1% of installs (at least one install). */
  top1pct_share: number
  /** Share of spend held by the 10 largest installs. */
  top10_share: number
}

// ---- emulator farms -------------------------------------------------------

/**
 * Narrow: fingerprint, ip_prefix. Broad (grouped only over installs that failed attestation as emulator/hooked): the rest.
 * `device` (model + platform + OS) and `app_version` (platform + version) group only new installs (farm-new-build.ts).
 */
export type FarmTrait = 'device_fingerprint' | 'ip_prefix' | 'asn_device' | 'device_build' | 'asn' | 'os_build' | 'device' | 'app_version' | 'wake_time'

/** A farm group's or cluster's signals, each a z-score (farm-clusters.ts, farm-new-*.ts say how each is judged). */
export interface FarmSignals {
  rejections: number
  synchronized: number
  /** New installs, or installs woken together after a silence (farm-wake.ts), against the rest of the tenant. */
  new_installs: number
  shared_fingerprint: number
  shared_build: number
  /** New installs on an ASN the tenant's established installs hardly use. */
  new_network: number
  /** New installs on a device build or an old app version the tenant's established installs hardly run. */
  new_build: number
  /** New installs on one ASN that call nonstop, far more of them busy than the tenant's other installs (farm-busy-new.ts). */
  busy_new: number
  /** New installs that fall silent and come back together, wake after wake (farm-co-wake.ts). */
  co_wake: number
}

export interface FarmCluster {
  /** Stable id derived from the cluster's strongest shared trait, so alerts dedupe across runs. */
  cluster_id: string
  tenant_id: string
  score: number
  severity: Severity | null
  reasons: string[]
  size: number
  /** Install ids, capped at 500; `size` is the full count. */
  members: string[]
  /** Trait values shared by at least half of the members. */
  shared_traits: { trait: FarmTrait; value: string; members: number }[]
  /** Attestation rejections of members by reason. */
  rejection_mix: Record<string, number>
  attest_rejected: number
  attest_accepted: number
  /** Members first seen inside the window, and the tightest minute burst of them. */
  new_installs: number
  max_new_per_minute: number
  /**
   * Variance / mean of members' per-minute request counts (pooled): about 1
   * for independent users (Poisson), near 0 when members fire in lockstep.
   */
  timing_dispersion: number | null
  /** Per-signal z-scores the cluster score was combined from. */
  signals: FarmSignals
  cost_micros: number
  first_seen: number
  last_seen: number
}

// ---- cost anomalies -------------------------------------------------------

export type BaselineKind = 'seasonal' | 'recent_hours' | 'none'

export interface CostAnomalyRow {
  kind: 'cost_per_request' | 'spend_rate' | 'price_per_token' | 'budget'
  /** 'tenant/feature/app_version' for cost per request, 'tenant/feature' for spend, 'tenant/model' for price per token, 'tenant' for budget. */
  subject: string
  subject_kind: 'feature' | 'tenant'
  tenant_id: string
  feature: string
  model: string
  app_version: string
  score: number
  severity: Severity | null
  reasons: string[]
  /** Value over the recent window: micros per request, micros per minute, or forecast micros. */
  current: number
  /** What was expected: baseline median, or the budget. */
  expected: number
  ratio: number
  z: number
  requests: number
  cost_micros: number
  baseline: { kind: BaselineKind; median: number; mad: number; samples: number; description: string }
  series: SeriesPoint[]
  /** Version rows: the median request's context against other versions (robust to a few heavy installs). */
  typical_request?: { median_context_tokens: number; baseline_median: number; ratio: number; z: number }
  /** Version rows of a young version: its movers' requests per active minute against their own on earlier versions (cost-release-volume.ts). */
  release_volume?: { installs: number; requests_after: number; expected_after: number; ratio: number; z: number; decided: boolean }
  /** Cost per request rows: the sustained tier, cost per request pooled over its longer window against runs of as many minutes (cost-sustained.ts). */
  sustained?: {
    minutes: number
    ratio: number
    z: number
    halves: [number, number]
    baseline_median: number
    /** Its own past (a feature, an established version) or the other versions' (a young version). */
    against: 'own_past' | 'other_versions'
    decided: boolean
  }
  /** Budget rows only. */
  budget?: { month_to_date_micros: number; forecast_micros: number; budget_micros: number }
}

// ---- stream abuse ---------------------------------------------------------

export interface StreamAbuseRow {
  tenant_id: string
  install_id: string
  score: number
  severity: Severity | null
  reasons: string[]
  streams: number
  max_concurrent: number
  max_duration_ms: number
  /** Streams held open a long time while producing almost no tokens. */
  zombie_streams: number
  client_disconnects: number
  /** Cost of streams the client abandoned, paid anyway. */
  disconnect_cost_micros: number
  cost_micros: number
  /** duration is the install's median stream duration (ms). */
  metrics: { concurrency: ScoredMetric; duration: ScoredMetric; disconnect_rate: ScoredMetric }
  /** Group rows only (install_id is then the group's subject, stream-zombie-group.ts): the installs it names. */
  members?: string[]
}

// ---- token reuse ----------------------------------------------------------

export interface TokenReuseRow {
  tenant_id: string
  install_id: string
  score: number
  severity: Severity | null
  reasons: string[]
  events: number
  /** Spend of the install in the window is not computed here: 0 (kept for the rankings' summary). */
  cost_micros: number
  /** Changes of network (ASN or country) between consecutive requests. */
  switches: number
  /** Requests that started while a request or stream from another network was open. */
  overlaps: number
  /** Consecutive requests from different countries less than 30 min apart. */
  fast_country_changes: number
  first_overlap_at: number | null
  /** Requests from a network already in use that started while another country's and ASN's request or stream was open (token-reuse.ts). */
  concurrent_uses: number
  first_concurrent_at: number | null
  /** Over the last hour: changes of network less than 10 s after the previous request, and what one phone whose network changes at moments of its own would make (token-reuse-timing.ts). */
  quick_switches: number
  quick_switches_expected: number
  /** Each place the install was used from; `device` (a fingerprint's first 16 hex digits) and its model only when the install's calls came from two devices. */
  networks: { asn: number; country: string; ip_prefixes: string[]; device?: string; device_model?: string; events: number; first: number; last: number }[]
}

// ---- rankings API ---------------------------------------------------------

export interface RankingRows {
  prompt_bombing: PromptBombingRow
  emulator_farms: FarmCluster
  cost_anomalies: CostAnomalyRow
  stream_abuse: StreamAbuseRow
  token_reuse: TokenReuseRow
}

/** Orders each ranking can be read in (API `sort`); rankings are scored in code, so these name row fields, not columns. */
export const RANKING_SORTS = {
  prompt_bombing: ['score', 'tokens_per_minute', 'context_tokens', 'concurrent_streams', 'cost_micros', 'spend_share', 'requests'],
  emulator_farms: ['score', 'size', 'cost_micros', 'new_installs', 'attest_rejected', 'last_seen'],
  cost_anomalies: ['score', 'ratio', 'cost_micros', 'requests'],
  stream_abuse: ['score', 'max_concurrent', 'zombie_streams', 'client_disconnects', 'cost_micros'],
  token_reuse: ['score', 'overlaps', 'switches', 'events'],
} as const satisfies Record<DetectorName, readonly [string, ...string[]]>
export type RankingSort<N extends DetectorName = DetectorName> = (typeof RANKING_SORTS)[N][number]

export type { OffsetPage, OffsetPageRequest, SortDir } from '../paging'

/** GET /api/detectors/[name]?sort&dir&offset&limit: one page of the ranking. */
export interface DetectorRanking<N extends DetectorName = DetectorName> extends OffsetPage<RankingRows[N], RankingSort<N>> {
  detector: N
  from: number
  to: number
  generated_at: number
  /** Over the whole ranking, so tiles stay right whatever page is shown. */
  summary: { flagged: number; flagged_cost_micros: number; top_score: number; top_subject: string | null }
  /** Extra population facts, e.g. spend concentration per feature for prompt bombing. */
  context: { concentration?: FeatureConcentration[]; notes: string[] }
}

export { FARM_MEMBER_SORTS, type FarmMemberSort } from '../install-types'

/** GET /api/detectors/emulator_farms/[clusterId]/members: every member, not only the 500 a cluster carries. */
export interface FarmMembersPage extends OffsetPage<InstallProfile, FarmMemberSort> {
  cluster_id: string
  tenant_id: string
  from: number
  to: number
}

export type AnyDetectorRanking = { [N in DetectorName]: DetectorRanking<N> }[DetectorName]

/** What a detector hands the alert layer: one subject whose condition holds now. */
export interface Finding {
  detector: DetectorName
  subject_kind: SubjectKind
  subject: string
  tenant_id: string
  severity: Severity
  score: number
  title: string
  evidence: RankingRows[DetectorName]
}
