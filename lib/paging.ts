import { z } from 'zod'

/**
 * The paging shapes of the API, below every domain folder so lib/queries, lib/detection and the
 * dashboard's types share them without importing one another.
 */
export type SortDir = 'asc' | 'desc'

/** One page of a server-side sorted list read by offset, as the server applied it. */
export interface OffsetPage<Row, Sort extends string> {
  rows: Row[]
  /** Rows in the whole list, not just this page. */
  total: number
  offset: number
  limit: number
  sort: Sort
  dir: SortDir
}

/** What a client asks of such a list; omitted fields take the API's defaults. */
export interface OffsetPageRequest<Sort extends string> {
  sort?: Sort
  dir?: SortDir
  offset?: number
  limit?: number
}

/** The deepest row a page may start at, for every offset-paged list. */
export const MAX_OFFSET = 1_000_000

/**
 * The zod fields of the API's one paging shape, `offset` and `limit`, declared here once: every list route
 * (dashboard tables, alerts, incidents, detector rankings, farm members) spreads them into its query schema.
 */
export function offsetLimitFields(defaultLimit: number, maxLimit: number) {
  return {
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
  }
}
