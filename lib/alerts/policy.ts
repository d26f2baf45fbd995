import type { Config } from '../config'
import type { AlertPolicy } from './lifecycle'

/** Alert thresholds from configuration: alerts open at score 50 and keep firing down to 50 × ALERT_KEEP_RATIO. */
export function alertPolicy(config: Pick<Config, 'ALERT_KEEP_RATIO' | 'ALERT_RESOLVE_AFTER_MS'>): AlertPolicy {
  return { openScore: 50, keepScore: 50 * config.ALERT_KEEP_RATIO, resolveAfterMs: config.ALERT_RESOLVE_AFTER_MS }
}
