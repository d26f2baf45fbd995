import type { Store } from '../clickhouse/client'
import { streamRows, table } from './sql'

export interface StatementRow {
  date: string
  feature: string
  model: string
  app_version: string
  requests: number
  prompt_tokens: number
  completion_tokens: number
  cost_micros: number
}

/**
 * One tenant's spend in one UTC calendar month per day, feature, model and
 * app version, from usage_day, for chargeback. Rows are yielded as the store
 * streams them, so a long export never holds the result in memory.
 */
export async function* tenantStatement(store: Store, tenant: string, monthStartMs: number): AsyncGenerator<StatementRow> {
  yield* streamRows<StatementRow>(
    store,
    `
      SELECT toString(toDate(day)) AS date, feature, model, app_version, sum(requests) AS requests,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros
      FROM ${table(store, 'usage_day')}
      WHERE tenant_id = {tenant:String}
        AND day >= toDateTime({from:UInt32}, 'UTC') AND day < toDateTime({from:UInt32}, 'UTC') + INTERVAL 1 MONTH
      GROUP BY date, feature, model, app_version
      HAVING requests > 0 OR cost_micros > 0
      ORDER BY date, feature, model, app_version`,
    { tenant, from: Math.floor(monthStartMs / 1000) },
  )
}
