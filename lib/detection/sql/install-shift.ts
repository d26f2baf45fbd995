/**
 * Per install and feature over [from, to): requests n and the summed shift of
 * its per-minute mean log context from the feature's baseline μ, weighted by
 * requests (dev = Σ k·(x − μ), x bias-corrected as in install-minutes.ts),
 * summed prompt tokens and first active minute. Only installs whose mean shift
 * dev/n is at least {min_shift} and whose z = dev / (σ√n) is at least {min_z}
 * leave the engine: the moderate group test of prompt bombing
 * (bombing-moderate.ts) counts them. Baselines come as arrays ({keys}
 * 'tenant|feature', {mus}, {sigmas}); with {installs} non-empty only those
 * installs are read and nothing is filtered (their own history).
 *
 * {suffixes} (epoch seconds, ascending) also give n and dev over each suffix
 * [suffix, to) as arrays: a recruited install's honest minutes before the
 * attack began dilute its window mean, so the test also looks at the recent
 * minutes alone. An install leaves the engine when any suffix passes, its z
 * less {penalty} (the price of looking more than once).
 */
export const installShiftSql = (db: string) => `
SELECT tenant_id, feature, install_id, sum(m_requests) AS n, sum(m_requests * (x - mu)) AS dev,
  sum(m_prompt) AS prompt, toUInt32(toUnixTimestamp(min(minute)) / 60) AS first_minute, any(sigma) AS base_sigma,
  sumForEach(arrayMap(s -> if(toUnixTimestamp(minute) >= s, toFloat64(m_requests), 0.), {suffixes:Array(UInt32)})) AS sn,
  sumForEach(arrayMap(s -> if(toUnixTimestamp(minute) >= s, m_requests * (x - mu), 0.), {suffixes:Array(UInt32)})) AS sdev
FROM (
  SELECT minute, tenant_id, install_id, feature, m_requests, m_prompt,
    indexOf({keys:Array(String)}, concat(tenant_id, '|', feature)) AS k,
    {mus:Array(Float64)}[k] AS mu, {sigmas:Array(Float64)}[k] AS sigma,
    log(m_prompt / m_requests) - (pow(sigma, 2) / 2) * (1 - 1 / m_requests) AS x
  FROM (
    SELECT minute, tenant_id, install_id, feature, sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt
    FROM ${db}.install_minute
    WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
      AND ({tenant:String} = '' OR tenant_id = {tenant:String})
      AND (empty({installs:Array(String)}) OR has({installs:Array(String)}, install_id))
    GROUP BY minute, tenant_id, install_id, feature
    HAVING m_requests > 0 AND m_prompt > 0
  )
  WHERE k > 0
)
GROUP BY tenant_id, feature, install_id
HAVING NOT empty({installs:Array(String)}) OR (n >= 3 AND dev >= {min_shift:Float64} * n AND dev >= {min_z:Float64} * base_sigma * sqrt(n))
  OR arrayExists((c, d) -> c >= 3 AND d >= {min_shift:Float64} * c AND d >= ({min_z:Float64} + {penalty:Float64}) * base_sigma * sqrt(c), sn, sdev)`
