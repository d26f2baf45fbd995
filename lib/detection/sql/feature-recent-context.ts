/**
 * The current level of each tenant/feature over [from, to): per install NOT
 * in {exclude}, the request-weighted mean of ln(context) of its minutes
 * (install_minute; a minute's ln(mean) overstates the mean of ln by up to
 * σ²/2, corrected with the feature's σ from {keys}/{sigmas} as in
 * install-minutes.ts), then, over those installs (one vote each, so a few
 * busy installs cannot move it), the 25th and 50th percentiles. The launch
 * guard of prompt bombing (bombing-launch.ts) asks whether the rest of the
 * feature moved, not only the installs it is judging.
 */
export const featureRecentContextSql = (db: string) => `
SELECT tenant_id, feature, count() AS installs, sum(n) AS requests,
  quantilesExact(0.25, 0.5)(x) AS q
FROM (
  SELECT tenant_id, feature, install_id, sum(m_requests) AS n,
    sum(m_requests * (log(m_prompt / m_requests) - (s2 / 2) * (1 - 1 / m_requests))) / n AS x
  FROM (
    SELECT tenant_id, feature, install_id, m_requests, m_prompt,
      pow({sigmas:Array(Float64)}[indexOf({keys:Array(String)}, concat(tenant_id, '|', feature))], 2) AS s2
    FROM (
      SELECT tenant_id, feature, install_id, minute, sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt
      FROM ${db}.install_minute
      WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
        AND ({tenant:String} = '' OR tenant_id = {tenant:String})
        AND NOT has({exclude:Array(String)}, install_id)
      GROUP BY tenant_id, feature, install_id, minute
      HAVING m_requests > 0 AND m_prompt > 0
    )
    WHERE indexOf({keys:Array(String)}, concat(tenant_id, '|', feature)) > 0
  )
  GROUP BY tenant_id, feature, install_id
)
GROUP BY tenant_id, feature`
