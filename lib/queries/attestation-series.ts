import type { Store } from '../clickhouse/client'
import type { StackedSeries } from '../dashboard/types'
import { rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'
import { OTHER_KEY, pivot } from './stacked'

/**
 * Attestation rejection rate per bucket split by reason: rejections with the
 * reason / all attestations in the bucket (attestation_minute over
 * usage_minute). An attestation with two reasons counts under both, so the
 * stack can slightly exceed the overall rejection rate. `totals` are counts.
 */
export async function attestationSeries(store: Store, range: ResolvedRange): Promise<StackedSeries> {
  const rows = await selectRows<{ t: number; key: string; value: number; rejections: number }>(
    store,
    `
    WITH totals AS (
      SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
        sum(attest_accepted + attest_rejected) AS attestations
      FROM ${table(store, 'usage_minute')}
      WHERE ${rangeWhere('minute')}
      GROUP BY t
    )
    SELECT r.t AS t, r.reason AS key, r.rejections / greatest(totals.attestations, 1) AS value, r.rejections AS rejections
    FROM (
      SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
        reason, sum(rejections) AS rejections
      FROM ${table(store, 'attestation_minute')}
      WHERE ${rangeWhere('minute')}
      GROUP BY t, reason
    ) AS r
    LEFT JOIN totals ON totals.t = r.t`,
    rangeSqlParams(range),
  )
  const series = pivot(range, rows, 8)
  // Legend totals are rejection counts; summing per-bucket rates would mean nothing.
  for (const k of series.keys) series.totals[k] = 0
  for (const r of rows) {
    const key = r.key in series.totals ? r.key : OTHER_KEY
    series.totals[key] = (series.totals[key] ?? 0) + r.rejections
  }
  return series
}
