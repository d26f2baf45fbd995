import type { Migration } from './types'

/**
 * A replayed range must carry the same deduplication identity in every rollup
 * before and after the engine restarts. ClickHouse derives the block id a view
 * target deduplicates on from the insert's token and the view's StorageID: its
 * UUID when the StorageID in the insert chain has one, else its name. A view
 * changed by `ALTER … MODIFY QUERY` (0007: usage_minute_mv, install_minute_mv,
 * install_profile_mv) stays in the chain of the process that altered it under
 * its name only; loaded again (a restart, or ATTACH) it is there under its
 * UUID. A range inserted before the restart and replayed after it then had two
 * ids in those views' targets and was counted twice in usage_minute,
 * install_minute, install_profile and the views chained on them (usage_hour,
 * usage_day, install_hour), while `events`, keyed on the token alone, dropped
 * the replay. In embedded mode every SIGKILL of the ingest process is such a
 * restart (the first process migrates, so the first kill hit it:
 * tests/integration/ingest-crash.test.ts).
 *
 * DETACH and ATTACH load each altered view again from its metadata, exactly as
 * a restart does, so the process that migrates already uses the identity every
 * later process will. No block reaches the views between the two statements:
 * migrations run before ingest starts. IF [NOT] EXISTS makes a rerun after a
 * crash between them converge. A later migration that alters a view's query
 * must re-attach it the same way (tests/integration/rollup-dedup.test.ts
 * fails otherwise).
 */
const ALTERED_VIEWS = ['usage_minute_mv', 'install_minute_mv', 'install_profile_mv']

export const migration: Migration = {
  version: 53,
  name: 're-attach the views 0007 altered, so their dedup identity survives a restart',
  statements: ({ db, onCluster }) =>
    ALTERED_VIEWS.flatMap((view) => [`DETACH TABLE IF EXISTS ${db}.${view}${onCluster}`, `ATTACH TABLE IF NOT EXISTS ${db}.${view}${onCluster}`]),
}
