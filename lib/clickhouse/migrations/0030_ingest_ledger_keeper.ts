import type { Migration } from './types'

/**
 * Cluster mode only: the replay ledger (the offset range a consumer records
 * before each insert, read by the next owner of the partition after a crash or
 * a rebalance) in Keeper instead of a replicated table. Replicated tables are
 * eventually consistent: the next owner may ask a replica that has not yet
 * fetched the part holding the intent, find none, cut the range differently
 * and insert it again under another dedup token, counting it twice in every
 * rollup. KeeperMap writes are linearizable and its reads sequentially
 * consistent, from any replica, which is how ClickHouse's Kafka Connect sink
 * keeps its exactly-once state. One key per topic and partition holding the
 * latest intent, so the table stays as small as the partition count (KeeperMap
 * has no TTL). Needs `keeper_map_path_prefix` in the servers' configuration
 * (docs/kafka.md). A single node keeps ingest_batches (0001).
 */
export const migration: Migration = {
  version: 30,
  name: 'replay ledger in KeeperMap (cluster mode)',
  statements: ({ db, onCluster }) =>
    onCluster
      ? [
          `CREATE TABLE IF NOT EXISTS ${db}.ingest_ledger${onCluster} (
            key String,
            first_offset UInt64,
            last_offset UInt64,
            created_at DateTime64(3, 'UTC')
          ) ENGINE = KeeperMap('/burnrate/${db}/ingest_ledger') PRIMARY KEY key`,
        ]
      : [],
}
