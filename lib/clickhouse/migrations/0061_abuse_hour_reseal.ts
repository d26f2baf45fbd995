import type { Migration } from './types'

/**
 * abuse_hour rows of the `clean` status now carry an empty install sketch: the abuse tax counts only failed and
 * revoked installs, and the clean rows' sketches (most installs of every hour, up to ~22k ids each in a `uniq`
 * state) were most of what a 30-day abuse tax read and merged, 390–635 ms for 6,128 rows on a 52M-event store.
 * The hours sealed before are emptied here, so the next read seals them again in the new shape
 * (lib/queries/abuse-seal.ts seals every hour of install_hour that abuse_hour lacks), with each install's
 * status as it is then, as every seal does.
 */
export const migration: Migration = {
  version: 61,
  name: 'abuse_hour: no install sketch on clean rows (hours resealed)',
  statements: ({ db, onCluster }) => [`TRUNCATE TABLE IF EXISTS ${db}.abuse_hour${onCluster}`],
}
