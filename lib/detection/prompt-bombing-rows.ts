import { num } from './query'
import type { LogBand } from './stats'
import type { FeatureBands, UsageRow } from './prompt-bombing-score'

/** Rows of the install-usage queries (sql/install-usage*.ts) decoded into what prompt-bombing-score.ts scores. */
export const usageOf = (r: Record<string, unknown>): UsageRow => ({
  tenant_id: String(r.tenant_id),
  feature: String(r.feature),
  install_id: String(r.install_id),
  active_minutes: num(r.active_minutes),
  requests: num(r.requests),
  streams: num(r.streams),
  prompt_tokens: num(r.prompt_tokens),
  completion_tokens: num(r.completion_tokens),
  cost_micros: num(r.cost_micros),
  peak_tokens_per_minute: num(r.peak_tokens_per_minute),
  max_context_tokens: num(r.max_context_tokens),
  max_completion_tokens: num(r.max_completion_tokens),
  peak_concurrency: num(r.peak_concurrency),
})

/** The log bands of a row of installUsageBandsSql (every row of a feature carries them). */
export function bandsOfRow(r: Record<string, unknown>): FeatureBands {
  const logBandOf = (m: string): LogBand => {
    const q = (r[`q_${m}`] as unknown[]).map(num)
    return {
      band: { median: q[0], mad: num(r[`mad_${m}`]), p90: q[1], p99: q[2], n: num(r.feature_installs) },
      logMedian: num(r[`lm_${m}`]),
      logMad: num(r[`lmad_${m}`]),
    }
  }
  return {
    installs: num(r.feature_installs),
    cost_micros: num(r.feature_cost),
    max_context_p99: num(r.max_context_p99),
    bands: {
      tokens_per_minute: logBandOf('tpm'),
      peak_tokens_per_minute: logBandOf('peak'),
      context_tokens: logBandOf('ctx'),
      output_tokens: logBandOf('out'),
      concurrent_streams: logBandOf('conc'),
    },
  }
}
