import type { Store } from '../clickhouse/client'
import type { DeadLetterReasonCount } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/** Dead letters in the window counted by reason. */
export async function deadLetterReasons(store: Store, range: ResolvedRange): Promise<DeadLetterReasonCount[]> {
  return selectRows<DeadLetterReasonCount>(
    store,
    `
    SELECT reason, count() AS count, toUnixTimestamp64Milli(max(received_at)) AS last_at
    FROM ${table(store, 'dead_letters')}
    WHERE received_at >= fromUnixTimestamp64Milli({from:Int64}) AND received_at < fromUnixTimestamp64Milli({to:Int64})
    GROUP BY reason ORDER BY count DESC, reason`,
    { from: range.fromMs, to: range.toMs },
  )
}
