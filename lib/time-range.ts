import { z } from 'zod'

/**
 * The dashboard's global time range, shared by the URL, every API route and
 * every query. Relative presets resolve against the server clock at query
 * time, so a refetch of "last 1 h" moves with the clock; `custom` pins
 * absolute bounds, which is what a shared incident link should carry.
 */
export const RANGE_PRESETS = ['15m', '1h', '24h', '7d', '30d', '90d', 'custom'] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]

const PRESET_MS: Record<Exclude<RangePreset, 'custom'>, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
  '30d': 30 * 24 * 3_600_000,
  '90d': 90 * 24 * 3_600_000,
}

export const PRESET_LABELS: Record<RangePreset, string> = {
  '15m': 'Last 15 min',
  '1h': 'Last 1 h',
  '24h': 'Last 24 h',
  '7d': 'Last 7 d',
  '30d': 'Last 30 d',
  '90d': 'Last 90 d',
  custom: 'Custom',
}

/** Widest window any dashboard query may scan. */
export const MAX_RANGE_MS = 92 * 24 * 3_600_000
/** Narrowest window: the rollups are per minute. */
export const MIN_RANGE_MS = 60_000

/** Bucket sizes the charts step through; chosen so a chart has ~30–200 points. */
const STEPS_S = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86_400]
const TARGET_POINTS = 120

/**
 * Latest bound a range may have: the SQL binds seconds as UInt32 (DateTime's
 * own ceiling, 2106-02-07T06:28:15Z), and this is the last whole minute before
 * it, so that resolveRange's minute alignment and its one-minute minimum
 * width never push a bound past it.
 */
export const MAX_EPOCH_MS = Math.floor(4_294_967_295_000 / 60_000) * 60_000

const TOO_LATE = `must be at most ${MAX_EPOCH_MS} (${new Date(MAX_EPOCH_MS).toISOString()})`

/** Epoch ms or an ISO time with offset, within what the range SQL can bind: every route's `from`/`to`/`until`. */
export const epochMs = z.union([
  z.coerce.number().int().min(0).max(MAX_EPOCH_MS, TOO_LATE),
  z
    .string()
    .max(40)
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .pipe(z.number().min(0).max(MAX_EPOCH_MS, TOO_LATE)),
])

/** A tenant id as a filter parameter: the characters tenant ids are made of ('' for every tenant where defaulted). */
export const tenantFilter = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9._:@/+=-]*$/)

/** The raw query parameters; `resolveRange` turns them into bounds. */
export const rangeParams = {
  range: z.enum(RANGE_PRESETS).default('1h'),
  from: epochMs.optional(),
  to: epochMs.optional(),
  tenant: tenantFilter.default(''),
}

export interface ResolvedRange {
  /** Inclusive start, epoch ms, aligned to a minute. */
  fromMs: number
  /** Exclusive end, epoch ms. */
  toMs: number
  /** Chart bucket, seconds. */
  stepS: number
  /** '' means all tenants. */
  tenant: string
}

export function stepFor(spanMs: number): number {
  const ideal = spanMs / 1000 / TARGET_POINTS
  return STEPS_S.find((s) => s >= ideal) ?? STEPS_S[STEPS_S.length - 1]
}

/**
 * Presets end at the last minute boundary: the current minute is still
 * filling, and plotting it reads as a sudden drop in traffic.
 */
export function resolveRange(q: { range: RangePreset; from?: number; to?: number; tenant?: string }, now = Date.now()): ResolvedRange {
  let fromMs: number
  let toMs: number
  if (q.range === 'custom') {
    if (q.from === undefined || q.to === undefined) throw new RangeError('custom range needs from and to')
    fromMs = q.from
    toMs = q.to
  } else {
    toMs = Math.floor(now / 60_000) * 60_000
    fromMs = toMs - PRESET_MS[q.range]
  }
  fromMs = Math.floor(fromMs / 60_000) * 60_000
  if (toMs - fromMs < MIN_RANGE_MS) toMs = fromMs + MIN_RANGE_MS
  if (toMs - fromMs > MAX_RANGE_MS) fromMs = toMs - MAX_RANGE_MS
  return { fromMs, toMs, stepS: stepFor(toMs - fromMs), tenant: q.tenant ?? '' }
}

/** Every bucket start in the range, so series come back gap-free (a minute with no traffic is a 0, not a missing point). */
export function bucketStarts(r: Pick<ResolvedRange, 'fromMs' | 'toMs' | 'stepS'>): number[] {
  const step = r.stepS * 1000
  const out: number[] = []
  for (let t = Math.floor(r.fromMs / step) * step; t < r.toMs; t += step) out.push(t)
  return out
}

/** Query parameters every range-bound SQL statement takes. */
export function rangeSqlParams(r: ResolvedRange) {
  return { from: Math.floor(r.fromMs / 1000), to: Math.ceil(r.toMs / 1000), step: r.stepS, tenant: r.tenant }
}

/** SQL fragment: rows of `column` in [from, to) of tenant (or all). Uses the {from,to,tenant} params. */
export function rangeWhere(column: string) {
  return `${column} >= toDateTime({from:UInt32}, 'UTC') AND ${column} < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})`
}
