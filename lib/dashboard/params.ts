import { z } from 'zod'
import { offsetLimitFields } from '../paging'
import { rangeParams, resolveRange, type ResolvedRange } from '../time-range'

/**
 * zod schemas shared by the dashboard's API routes: the global range and
 * tenant, plus server-side sort and pagination. Every schema bounds what a
 * caller can ask for (range width via resolveRange, page size here).
 */
export const MAX_PAGE_SIZE = 200

const rangeObject = z.object(rangeParams)

type RangeFields = z.infer<typeof rangeObject>

function checkCustom(q: RangeFields, ctx: z.RefinementCtx) {
  if (q.range === 'custom' && !(q.from !== undefined && q.to !== undefined && q.from < q.to)) {
    ctx.addIssue({ code: 'custom', message: 'custom range needs from < to', path: ['from'] })
  }
}

/** Range + tenant, plus any extra fields; the parsed value carries the resolved bounds as `window`. */
export function rangeQuery<Extra extends z.ZodRawShape>(extra: Extra) {
  // Generic shapes defeat zod's inference inside the callbacks; the casts only restate the range fields.
  return rangeObject
    .extend(extra)
    .superRefine((q, ctx) => checkCustom(q as unknown as RangeFields, ctx))
    .transform((q) => ({ ...q, window: resolveRange(q as unknown as RangeFields) as ResolvedRange }))
}

export function pageFields<const Sorts extends readonly [string, ...string[]]>(sorts: Sorts, defaultSort: Sorts[number], defaultSize = 25) {
  return {
    sort: z.enum(sorts).default(defaultSort as never),
    dir: z.enum(['asc', 'desc']).default('desc'),
    ...offsetLimitFields(defaultSize, MAX_PAGE_SIZE),
  }
}

/** An install id as the event contract allows it. */
export const installIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:@/+=-]+$/)
