/**
 * One row per install and feature with its active minutes over [from, to):
 * requests and summed prompt tokens per minute (the mean context of that
 * minute), from the install_minute rollup, in minute order. The sequential
 * (CUSUM) test of prompt bombing walks these minutes.
 *
 * The per-minute log-likelihood ratio (bombing-sequential.ts) is computed here
 * too, from each feature's baseline passed as arrays ({keys} 'tenant|feature',
 * {mus}, {sigmas}), and an install is returned only if its positive minutes
 * add up to {min_positive}: below that its CUSUM can score nothing and it
 * cannot count as elevated, so most installs never leave the engine.
 * {only} (when not empty) reads just those installs (the newest ids of a
 * rotating attacker, with {min_positive} 0: bombing-traits.ts).
 */
export const installMinutesSql = (db: string) => `
SELECT tenant_id, feature, install_id,
  groupArray(toUInt32(toUnixTimestamp(minute) / 60)) AS minutes,
  groupArray(m_requests) AS requests,
  groupArray(m_prompt) AS prompt
FROM (
  SELECT minute, tenant_id, install_id, feature, m_requests, m_prompt,
    indexOf({keys:Array(String)}, concat(tenant_id, '|', feature)) AS k,
    pow({sigmas:Array(Float64)}[k], 2) AS s2,
    greatest(-{cap:Float64}, least({cap:Float64},
      m_requests * ({shift:Float64} / s2) * (log(m_prompt / m_requests) - (s2 / 2) * (1 - 1 / m_requests) - {mus:Array(Float64)}[k] - {shift:Float64} / 2))) AS llr
  FROM (
    SELECT minute, tenant_id, install_id, feature, sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt
    FROM ${db}.install_minute
    WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
      AND ({tenant:String} = '' OR tenant_id = {tenant:String})
      AND (length({only:Array(String)}) = 0 OR has({only:Array(String)}, install_id))
    GROUP BY minute, tenant_id, install_id, feature
    HAVING m_requests > 0 AND m_prompt > 0
  )
  WHERE k > 0
  ORDER BY minute
)
GROUP BY tenant_id, feature, install_id
HAVING sumIf(llr, llr > 0) >= {min_positive:Float64}`
