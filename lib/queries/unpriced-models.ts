import type { Store } from '../clickhouse/client'
import type { UnpricedModel } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/** Most models listed: a gateway misspelling every model is one fix, not a page of rows. */
const MAX_MODELS = 20

/**
 * Calls in the window that ingest could not price: no `cost_micros` from the
 * gateway and a model the catalog (with `PRICING_FILE`) does not know. They
 * are stored at $0, so every spend figure of the window leaves them out; the
 * Cost page says so, naming the models. Raw events, since the rollups keep
 * cost, not how it was priced.
 */
export async function unpricedModels(store: Store, range: ResolvedRange): Promise<UnpricedModel[]> {
  return selectRows<UnpricedModel>(
    store,
    `
    SELECT model, count() AS calls, sum(prompt_tokens + completion_tokens) AS tokens, toUnixTimestamp64Milli(max(ts)) AS last_at
    FROM ${table(store, 'events')}
    PREWHERE cost_source = 'unpriced'
    WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
      AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    GROUP BY model ORDER BY calls DESC, model LIMIT ${MAX_MODELS}`,
    { from: range.fromMs, to: range.toMs, tenant: range.tenant },
  )
}
