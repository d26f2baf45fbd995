import type { Migration } from './types'

/**
 * A minmax index on src_offset, for the one query that looks events up by
 * their Kafka position: seeding the recent-id memory when a consumer starts
 * reading a partition (ClickHouseSink.storedEventIds) reads the event ids of
 * the partition's last offsets. events is sorted by install, so without it
 * that query read src_offset of every stored row; with it, granules of older
 * data (lower offsets) are skipped. A granule of a part written from one
 * range spans that range only. MATERIALIZE builds it for the parts that
 * exist (a background mutation that reads src_offset only).
 */
export const migration: Migration = {
  version: 9,
  name: 'minmax index on events.src_offset (recent-id seeding)',
  statements: ({ db, onCluster }) => [
    `ALTER TABLE ${db}.events${onCluster} ADD INDEX IF NOT EXISTS src_offset_minmax src_offset TYPE minmax GRANULARITY 1`,
    `ALTER TABLE ${db}.events${onCluster} MATERIALIZE INDEX src_offset_minmax`,
  ],
}
