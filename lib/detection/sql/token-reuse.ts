/**
 * Installs seen in [from, to) from more than one /24 of two ASNs or countries, or from two devices (first pass of
 * token reuse; a row's device_low is above its device_high when its calls carried no device: migration 0067), with
 * the networks (ASN, country) each was seen from, for the shared paths (token-reuse-paths.ts).
 */
export const multiNetworkInstallsSql = (db: string) => `
SELECT tenant_id, install_id, groupUniqArray((asn, country)) AS places
FROM ${db}.install_network_minute
WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY tenant_id, install_id
HAVING uniqExact(ip_prefix) >= 2 AND (uniqExact(asn) >= 2 OR uniqExact(country) >= 2) OR min(device_low) < max(device_high)
LIMIT 5000`

/**
 * Every call of the listed installs of one tenant in [from, to), as an
 * interval: a stream from its start (ts − duration) to its close, or to its
 * latest `stream_progress` report while it is open (a stream's reports and
 * its close are one call, on the network of its first report, whose time is
 * seen_ms: before it the stream may have been on another network), and the
 * device it came from. Read by the events' primary key (tenant_id, install_id, ts).
 */
export const installEventsSql = (db: string) => `
SELECT install_id, min(start) AS start_ms, max(end) AS end_ms, min(end) AS seen_ms,
  argMin(ip_prefix, end) AS ip_prefix, argMin(asn, end) AS asn, argMin(country, end) AS country,
  argMin(device, end) AS device, argMin(device_model, end) AS device_model
FROM (
  SELECT install_id, if(stream_id = '', event_id, stream_id) AS call_id,
    toUnixTimestamp64Milli(ts) - if(type IN ('stream', 'stream_progress'), toInt64(duration_ms), 0) AS start,
    toUnixTimestamp64Milli(ts) AS end, ip_prefix, asn, country, lower(device_fingerprint) AS device, device_model
  FROM ${db}.events
  WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
    AND ts >= fromUnixTimestamp64Milli(toInt64({from:UInt32}) * 1000) AND ts < fromUnixTimestamp64Milli(toInt64({to:UInt32}) * 1000)
    AND type != 'policy_ack'
)
GROUP BY install_id, call_id
ORDER BY install_id, start_ms`

/** How many installs of one tenant were seen from each of the listed /24s in [from, to) (token-reuse-network.ts). */
export const prefixInstallsSql = (db: string) => `
SELECT ip_prefix, uniqExact(install_id) AS installs
FROM ${db}.install_network_minute
WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
  AND tenant_id = {tenant:String} AND ip_prefix IN {prefixes:Array(String)}
GROUP BY ip_prefix`

/** How many installs of one tenant were seen from each network (ASN and country) of the listed ASNs in [from, to) (token-reuse-paths.ts). */
export const placeInstallsSql = (db: string) => `
SELECT asn, country, uniqExact(install_id) AS installs
FROM ${db}.install_network_minute
WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
  AND tenant_id = {tenant:String} AND asn IN {asns:Array(UInt32)}
GROUP BY asn, country`
