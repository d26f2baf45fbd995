/**
 * Response types of the dashboard's own API routes (app/api/overview, cost,
 * installs, ingest, tenants, prompt-sizes). Route handlers return these and
 * the React Query hooks import them, so client and server cannot drift.
 * Money is integer micro-dollars, times are epoch ms.
 */
import type { Budget, MonthForecast } from '../budget-types'
import type { IngestHealth } from '../ingest/health'
import type { InstallProfile } from '../install-types'
import type { OffsetPage } from '../paging'

export interface RangeEcho {
  from: number
  to: number
  /** Bucket size of series, seconds. */
  stepS: number
}

/** A server-side sorted, paginated table: the API's one paging shape (offset and limit, lib/paging.ts). */
export type Page<Row> = OffsetPage<Row, string>

/** One point of a multi-series chart: bucket start plus one numeric field per key. */
export type SeriesRow = { t: number } & Record<string, number>

/** Series stacked by a dimension; the largest keys first, the tail folded into "other". */
export interface StackedSeries extends RangeEcho {
  keys: string[]
  points: SeriesRow[]
  totals: Record<string, number>
}

export interface TenantsResponse {
  tenants: string[]
}

export interface OverviewKpis extends RangeEcho {
  spendMicros: number
  requests: number
  streams: number
  promptTokens: number
  completionTokens: number
  activeInstalls: number
  attestAccepted: number
  attestRejected: number
  /** Rejected / all attestations; 0 when there were none. */
  rejectionRate: number
  /** Mean number of streams open at once: total stream time / window length. */
  avgConcurrentStreams: number
  policyDenials: number
  upstreamErrors: number
  /** Spend and requests in the last full minute of the window, for "right now" tiles. */
  lastMinute: { t: number; spendMicros: number; requests: number; tokens: number }
}

export interface TrafficPoint {
  t: number
  requestsPerMin: number
  tokensPerMin: number
  spendPerMinMicros: number
  activeInstalls: number
  /** Mean concurrent streams in the bucket (stream time / bucket length). */
  concurrentStreams: number
  errorsPerMin: number
}

export interface TrafficSeries extends RangeEcho {
  points: TrafficPoint[]
}

export interface SpenderRow {
  tenant_id: string
  install_id: string
  cost_micros: number
  requests: number
  tokens: number
  streams: number
  max_context_tokens: number
  attest_rejected: number
  policy_denials: number
}

export interface SpendersPage extends Page<SpenderRow> {
  from: number
  to: number
}

export const COST_DIMENSIONS = ['feature', 'model', 'tenant_id', 'app_version', 'platform'] as const
export type CostDimension = (typeof COST_DIMENSIONS)[number]

export interface CostBreakdownRow {
  key: string
  cost_micros: number
  requests: number
  tokens: number
  installs: number
  cost_per_request_micros: number
  cost_per_install_micros: number
  /** Spend per 1,000 prompt + completion tokens. */
  cost_per_1k_tokens_micros: number
  /** Share of the window's total spend, 0..1. */
  share: number
}

export interface BudgetSummary {
  monthStart: number
  monthEnd: number
  now: number
  monthToDateMicros: number
  /** Month-end forecast with its P10–P90 band, or why there is none (lib/budgets/forecast.ts). */
  forecast: MonthForecast
  /** Sum of the scope's tenant budgets; null when none is set. */
  budgetMicros: number | null
  /** Every budget in scope (tenant and feature) with where it stands. */
  budgets: BudgetStatusView[]
  /** Tenants with traffic, for the budget editor. */
  tenants: string[]
}

export interface BudgetStatusView extends Budget {
  monthToDateMicros: number
  forecastMicros: number | null
  share: number
  measured: 'actual' | 'forecast'
  crossed: number | null
}

export interface AbuseTax extends RangeEcho {
  totalMicros: number
  /** Spend of installs whose attestations mostly failed in the window. */
  attestationFailedMicros: number
  /** Spend of installs that the gateway later denied with a revocation. */
  revokedMicros: number
  /** Union of the two (an install counted once). */
  abuseMicros: number
  share: number
  failedInstalls: number
  revokedInstalls: number
}

export interface PromptSizeBin {
  /** Inclusive lower bound, tokens. */
  lo: number
  /** Exclusive upper bound, tokens. */
  hi: number
  requests: number
  /** Bin starts at or above the p99 of the window. */
  outlier: boolean
}

export interface PromptSizeHistogram extends RangeEcho {
  bins: PromptSizeBin[]
  requests: number
  p50: number
  p90: number
  p99: number
  max: number
}

/** Declared in lib/install-types.ts, beside the traits the detectors group installs by. */
export type { InstallProfile } from '../install-types'

export interface InstallProfilesResponse {
  profiles: InstallProfile[]
}

export interface InstallTimelinePoint {
  t: number
  cost_micros: number
  requests: number
  tokens: number
  streams: number
  /** Mean concurrent streams in the bucket. */
  concurrent_streams: number
  max_context_tokens: number
  attest_rejected: number
  policy_denials: number
}

export interface InstallTimeline extends RangeEcho {
  install_id: string
  points: InstallTimelinePoint[]
}

export interface InstallEventRow {
  ts: number
  type: string
  feature: string
  model: string
  prompt_tokens: number
  completion_tokens: number
  context_tokens: number
  cost_micros: number
  outcome: string
  end_reason: string
  duration_ms: number
  verdict: string
  reasons: string[]
  rule_kind: string
}

export interface InstallEventsPage extends Page<InstallEventRow> {
  install_id: string
}

export interface IngestInstance {
  instance_id: string
  source: string
  at: number
  health: IngestHealth
}

export interface IngestHealthResponse extends RangeEcho {
  now: number
  /** `error` when any ingest process has a stuck partition or a consumer down (lib/ingest/health.ts); what a probe alerts on. */
  status: 'ok' | 'error'
  problems: string[]
  /** The ingest running inside this app process, if any. */
  local: IngestHealth | null
  /** Latest snapshot of every ingest process that reported in the last 10 minutes. */
  instances: IngestInstance[]
  throughput: { t: number; eventsPerSec: number }[]
  /** Newest event timestamp stored, for freshness. */
  newestEventTs: number | null
}

/** Dead letters of one reason (lib/events/decode.ts's DeadLetterReason) in the range. */
/** A model whose calls in the window have no price (stored at $0): unpriced-models.ts. */
export interface UnpricedModel {
  model: string
  calls: number
  tokens: number
  last_at: number
}

export interface DeadLetterReasonCount {
  reason: string
  count: number
  last_at: number
}

export interface DeadLetterSample {
  received_at: number
  src_topic: string
  src_partition: number
  src_offset: number
  reason: string
  error: string
  payload: string
  payload_bytes: number
}

export interface DeadLettersResponse extends Page<DeadLetterSample> {
  reasons: DeadLetterReasonCount[]
}
