import { UNKNOWN_INSTALL_CONTEXT } from '../../events/schema'
import type { Migration } from './types'

/**
 * Which devices each install was seen from, beside its networks: the first pass of token reuse reads
 * install_network_minute (0015), which held only /24, ASN and country, so a second phone replaying an install's token
 * from the owner's own network (the same /24, ASN and country; only the device differs) was never a candidate.
 *
 * Two columns, no new key: the lowest and the highest device fingerprint of the install's calls in the minute on
 * that network. An install seen from two devices in a window is one whose lowest fingerprint is below its highest;
 * one device, or none known, never is. The placeholder fingerprint (the contract's "unknown") and an empty one count
 * as no device: `~` sorts above every hex digit, so a row with no device has low `~` and high '' and moves neither
 * bound, including in a merge with rows of the same key and rows stored before this migration (the defaults).
 * Case is left as sent (the contract allows either): two cases of one fingerprint make a candidate, and the second
 * pass, which compares them in lower case, finds one device.
 *
 * MODIFY QUERY swaps the view's SELECT in place (as 0007); DETACH and ATTACH load it again from its metadata so its
 * dedup identity is the one every later process uses (0053; tests/integration/rollup-dedup.test.ts).
 */
export const NO_DEVICE_LOW = '~'
const UNKNOWN_FINGERPRINT = UNKNOWN_INSTALL_CONTEXT.device_fingerprint

const view = (db: string) => `
    SELECT toStartOfMinute(ts) AS minute, tenant_id, install_id, ip_prefix, asn, country,
      count() AS events,
      min(toUnixTimestamp64Milli(ts) - if(type IN ('stream', 'stream_progress'), toInt64(duration_ms), 0)) AS first_ms,
      max(toUnixTimestamp64Milli(ts)) AS last_ms,
      min(if(device_fingerprint IN ('', '${UNKNOWN_FINGERPRINT}'), '${NO_DEVICE_LOW}', device_fingerprint)) AS device_low,
      max(if(device_fingerprint IN ('', '${UNKNOWN_FINGERPRINT}'), '', device_fingerprint)) AS device_high
    FROM ${db}.events
    WHERE install_id != '' AND type != 'policy_ack'
    GROUP BY minute, tenant_id, install_id, ip_prefix, asn, country`

export const migration: Migration = {
  version: 67,
  name: 'install_network_minute: lowest and highest device fingerprint (token reuse on one network)',
  statements: ({ db, onCluster }) => [
    `ALTER TABLE ${db}.install_network_minute${onCluster}
      ADD COLUMN IF NOT EXISTS device_low SimpleAggregateFunction(min, String) DEFAULT '${NO_DEVICE_LOW}',
      ADD COLUMN IF NOT EXISTS device_high SimpleAggregateFunction(max, String) DEFAULT ''`,
    `ALTER TABLE ${db}.install_network_minute_mv${onCluster} MODIFY QUERY ${view(db)}`,
    `DETACH TABLE IF EXISTS ${db}.install_network_minute_mv${onCluster}`,
    `ATTACH TABLE IF NOT EXISTS ${db}.install_network_minute_mv${onCluster}`,
  ],
}
