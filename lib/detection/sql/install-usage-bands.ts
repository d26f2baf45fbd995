/**
 * The window prompt-bombing detector's population statistics, computed where
 * the data is: per tenant/feature, the log-scale median and MAD of each
 * metric (tokens per minute, busiest minute, context and output per request,
 * concurrency) and the natural band shown as evidence, over the installs
 * active in [from, to) (install_minute, as installUsageSql). Returns only
 *   - candidates: installs whose combined, sample-size-shrunk z (the same
 *     formula as combinedZ in prompt-bombing.ts) reaches {zmin:Float64};
 *   - installs named in {installs:Array(String)} (open streams, sequential
 *     evidence), to be scored against the bands in TypeScript;
 *   - one row per feature (rn = 1), which carries the feature's bands.
 * At 20,000 installs this returns tens of rows instead of every install.
 * Medians and MADs are exact (quantileExactInclusive interpolates like
 * percentileSorted in stats.ts), so scores equal those of scorePromptBombing.
 */
const METRICS: [string, string, string][] = [
  // name, value expression, smallest σ
  ['tpm', '(prompt_tokens + completion_tokens) / greatest(1, active_minutes)', '{minSigma:Float64}'],
  ['peak', 'peak_tokens_per_minute', '{minSigma:Float64}'],
  ['ctx', 'prompt_tokens / greatest(1, requests)', '{minSigma:Float64}'],
  ['out', 'completion_tokens / greatest(1, requests)', '{minSigma:Float64}'],
  ['conc', 'peak_concurrency', '{minSigmaCount:Float64}'],
]
const each = (f: (m: string, expr: string, sigma: string) => string) => METRICS.map(([m, e, s]) => f(m, e, s)).join(',\n  ')

export const installUsageBandsSql = (usageSql: string) => `
SELECT *,
  ${each((m, _e, s) => `(l_${m} - lm_${m}) / greatest(1.4826 * lmad_${m}, ${s}) AS z_${m}`)},
  greatest(z_ctx, z_out, 0) AS z_size,
  greatest(z_size, sqrt(z_size * greatest(z_tpm, z_peak, 0)), sqrt(z_size * greatest(z_conc, 0)))
    * least(1, sqrt(requests / {minRequests:Float64})) AS z_combined
FROM (
  SELECT *,
    ${each((m) => `quantileExactInclusive(0.5)(abs(l_${m} - lm_${m})) OVER f AS lmad_${m}, quantileExactInclusive(0.5)(abs(v_${m} - q_${m}[1])) OVER f AS mad_${m}`)}
  FROM (
    SELECT *,
      ${each((m) => `quantileExactInclusive(0.5)(l_${m}) OVER f AS lm_${m}, quantilesExactInclusive(0.5, 0.9, 0.99)(v_${m}) OVER f AS q_${m}`)},
      quantileExactInclusive(0.99)(max_context_tokens) OVER f AS max_context_p99,
      count() OVER f AS feature_installs,
      sum(cost_micros) OVER f AS feature_cost,
      row_number() OVER f AS rn
    FROM (
      SELECT *,
        ${each((m, e) => `${e} AS v_${m}, log1p(greatest(0, v_${m})) AS l_${m}`)}
      FROM (${usageSql})
    )
    WINDOW f AS (PARTITION BY tenant_id, feature)
  )
  WINDOW f AS (PARTITION BY tenant_id, feature)
)
WHERE rn = 1 OR has({installs:Array(String)}, install_id)
  OR (feature_installs >= {minInstalls:UInt32} AND requests >= 2 AND z_combined >= {zmin:Float64})`
