/**
 * How fast each tenant's feature streams its answers, from closed streams
 * (install_minute: per install, feature and minute the streams that ended,
 * their output tokens and summed duration): per tenant/feature over
 * [from, to), the slow decile (quantileExact(0.1)) of the output rate of the
 * install-minutes that held only streams (a minute that also had a plain
 * call mixes that call's tokens in), the count of such install-minutes and
 * of installs. One install-minute is one vote, so an install holding a few
 * slow streams weighs no more than its minutes: a zombie closes once in
 * 5-30 minutes, an ordinary user's answers every minute they chat.
 */
export const streamFeatureRatesSql = (db: string) => `
SELECT tenant_id, feature,
  uniqExact(install_id) AS installs,
  count() AS install_minutes,
  quantileExact(0.1)(rate) AS p10_tokens_per_sec
FROM (
  SELECT tenant_id, feature, install_id, minute,
    sum(completion_tokens) * 1000 / sum(stream_ms) AS rate
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  GROUP BY tenant_id, feature, install_id, minute
  HAVING sum(streams) > 0 AND sum(streams) = sum(requests) AND sum(stream_ms) > 0
)
GROUP BY tenant_id, feature`
