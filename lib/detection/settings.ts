import { parseBudgetsJson, type Config } from '../config'

/**
 * Detector sensitivities, read from configuration (see configDocs and
 * docs/detection.md). Detectors take this object and a `now`, never the
 * environment or the wall clock, so the evaluation can replay any moment.
 */
export interface DetectionSettings {
  windowMinutes: number
  zAlert: number
  minRequests: number
  farmMinSize: number
  farmWindowMinutes: number
  /** Farms: an install whose activity resumes after at least this many silent minutes counts as new from then (farm-wake.ts). */
  farmWakeSilenceMinutes: number
  costWindowMinutes: number
  costMinRatio: number
  costMinRequests: number
  /** Release volume lens: fewest installs seen before and after their move to a new version. */
  costVolumeMinInstalls: number
  /** Release volume lens: smallest movers' after/before ratio that can alert. */
  costVolumeMinRatio: number
  /** Price lens: smallest rise of a model's billed per catalog cost that can alert. */
  costPriceMinRatio: number
  /** Sustained tier of the cost per request checks: its window in minutes (cost-sustained.ts). */
  costSustainedMinutes: number
  /** Sustained tier: smallest rise of cost per request, held over both halves of its window, that can raise a warning. */
  costSustainedMinRatio: number
  zombieMinMs: number
  zombieMaxTokensPerSec: number
  /** Stream abuse: a long stream is a zombie under this fraction of its feature's slow decile of output rate too (stream-zombie.ts). */
  zombieFeatureRateFraction: number
  /** Stream abuse: prior chance a phone holding a long answer open holds another long one beside it (open-stream-concurrency.ts). */
  openStreamPairRate: number
  /** Stream abuse: prior mean time a long answer runs on past its first 30 s. */
  openStreamTailMs: number
  /** Prompt bombing: chance members per look of the size-and-rate member test of a standing spread group (bombing-spread-rate.ts). */
  spreadMemberAlpha: number
  /** Monthly budget per tenant in micros; `defaultBudgetMicros` applies to tenants not listed (0: none). */
  budgets: Record<string, number>
  defaultBudgetMicros: number
}

export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  windowMinutes: 15,
  zAlert: 6,
  minRequests: 5,
  farmMinSize: 5,
  farmWindowMinutes: 60,
  farmWakeSilenceMinutes: 15,
  costWindowMinutes: 5,
  costMinRatio: 1.5,
  costMinRequests: 20,
  costVolumeMinInstalls: 20,
  costVolumeMinRatio: 1.25,
  costPriceMinRatio: 1.1,
  costSustainedMinutes: 20,
  costSustainedMinRatio: 1.2,
  zombieMinMs: 5 * 60_000,
  zombieMaxTokensPerSec: 1,
  zombieFeatureRateFraction: 0.1,
  openStreamPairRate: 0.02,
  openStreamTailMs: 60_000,
  spreadMemberAlpha: 0.05,
  budgets: {},
  defaultBudgetMicros: 0,
}

export function detectionSettings(config: Config): DetectionSettings {
  return {
    windowMinutes: config.DETECT_WINDOW_MINUTES,
    zAlert: config.DETECT_Z_ALERT,
    minRequests: config.DETECT_MIN_REQUESTS,
    farmMinSize: config.DETECT_FARM_MIN_SIZE,
    farmWindowMinutes: config.DETECT_FARM_WINDOW_MINUTES,
    farmWakeSilenceMinutes: config.DETECT_FARM_WAKE_SILENCE_MINUTES,
    costWindowMinutes: config.DETECT_COST_WINDOW_MINUTES,
    costMinRatio: config.DETECT_COST_MIN_RATIO,
    costMinRequests: config.DETECT_COST_MIN_REQUESTS,
    costVolumeMinInstalls: config.DETECT_COST_VOLUME_MIN_INSTALLS,
    costVolumeMinRatio: config.DETECT_COST_VOLUME_MIN_RATIO,
    costPriceMinRatio: config.DETECT_COST_PRICE_MIN_RATIO,
    costSustainedMinutes: config.DETECT_COST_SUSTAINED_MINUTES,
    costSustainedMinRatio: config.DETECT_COST_SUSTAINED_MIN_RATIO,
    zombieMinMs: config.DETECT_ZOMBIE_MIN_MS,
    zombieMaxTokensPerSec: config.DETECT_ZOMBIE_MAX_TOKENS_PER_SEC,
    zombieFeatureRateFraction: config.DETECT_ZOMBIE_FEATURE_RATE_FRACTION,
    openStreamPairRate: config.DETECT_OPEN_STREAM_PAIR_RATE,
    openStreamTailMs: config.DETECT_OPEN_STREAM_TAIL_MS,
    spreadMemberAlpha: config.DETECT_SPREAD_MEMBER_ALPHA,
    budgets: parseBudgetsJson(config.BUDGETS_JSON),
    defaultBudgetMicros: config.BUDGET_MONTHLY_MICROS,
  }
}

/** Severity from a 0-100 score: 50 is the alert threshold (z = zAlert), ~94 is z = 2 × zAlert. */
export function severityFor(score: number): 'warning' | 'critical' | null {
  if (score >= 90) return 'critical'
  if (score >= 50) return 'warning'
  return null
}

/** Rows scoring at least this (half the alert threshold) are always returned and handed to the alert layer for hysteresis. */
export const FINDING_MIN_SCORE = 25
/** Score at which a finding opens an alert (a warning; severityFor). */
export const ALERT_SCORE = 50
