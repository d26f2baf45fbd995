import { z } from 'zod'
import { toIpPrefix } from './ip-prefix'
import { maskLabelAddresses } from './label-addresses'

/**
 * One field of the event contract, declared once with both of its checks:
 * the zod type (the single source of error messages) and the hand-written
 * check of the fast path (fast-parse.ts), which may only be stricter than zod,
 * never looser. `absent` says what a missing key becomes: an error
 * (REQUIRED), nothing (OPTIONAL), or a default value.
 */
export interface Field<Z extends z.ZodTypeAny = z.ZodTypeAny> {
  zod: Z
  check: Check
  absent: unknown
}
/** Returns the checked (possibly normalised) value, or SKIP when the fast path must defer to zod. */
export type Check = (v: unknown) => unknown
export const SKIP = Symbol('invalid')
export const REQUIRED = 'required'
export const OPTIONAL = 'optional'

const field = <Z extends z.ZodTypeAny>(zod: Z, check: Check): Field<Z> => ({ zod, check, absent: REQUIRED })

/** The default is the parsed value a missing key becomes (zod 4: an output, not re-parsed). */
export function withDefault<Z extends z.ZodTypeAny>(f: Field<Z>, value: Exclude<z.output<Z>, undefined>) {
  return { zod: f.zod.default(value as never), check: f.check, absent: value as unknown }
}
export function optional<Z extends z.ZodTypeAny>(f: Field<Z>) {
  return { zod: f.zod.optional(), check: f.check, absent: OPTIONAL as unknown }
}

const ID_RE = /^[A-Za-z0-9._:@/+=-]+$/
const HEX_RE = /^[0-9a-fA-F]{8,64}$/
const COUNTRY_RE = /^[A-Z]{2}$/
const MAX_TS_MS = 8_640_000_000_000

const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max
const isCount = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max

export const idField = (max = 64) =>
  field(z.string().min(1).max(max).regex(ID_RE, 'only [A-Za-z0-9._:@/+=-]'), (v) => (isString(v, max) && ID_RE.test(v) ? v : SKIP))

/** Client-sent free text; any IP address inside is cut to its prefix (docs/events.md, Rules). */
export const labelField = (max = 64) =>
  field(z.string().min(1).max(max).transform(maskLabelAddresses), (v) => (isString(v, max) ? maskLabelAddresses(v) : SKIP))

export const countField = (max: number) => field(z.number().int().min(0).max(max), (v) => (isCount(v, max) ? v : SKIP))

export function enumField<T extends [string, ...string[]]>(values: Readonly<T>) {
  const set = new Set<string>(values)
  return field(z.enum(values as T), (v) => (typeof v === 'string' && set.has(v) ? v : SKIP))
}

export function literalField<T extends string | number>(value: T) {
  return field(z.literal(value), (v) => (v === value ? v : SKIP))
}

export const hexHashField = () => field(z.string().regex(HEX_RE, 'hex hash, 8-64 chars'), (v) => (typeof v === 'string' && HEX_RE.test(v) ? v : SKIP))

export const countryField = () => field(z.string().regex(COUNTRY_RE, 'ISO 3166-1 alpha-2'), (v) => (typeof v === 'string' && COUNTRY_RE.test(v) ? v : SKIP))

/** Epoch milliseconds, or an ISO 8601 string with an offset (zod only: the fast path defers those). */
export const timestampField = () =>
  field(
    z.union([
      z
        .string()
        .max(40)
        .datetime({ offset: true })
        .transform((s) => Date.parse(s)),
      z.number().int().min(0).max(MAX_TS_MS),
    ]),
    (v) => (isCount(v, MAX_TS_MS) ? v : SKIP),
  )

// Installs repeat their address, so most prefixes are already known.
const ipMemo = new Map<string, string | null>()
function memoPrefix(value: string): string | null {
  let prefix = ipMemo.get(value)
  if (prefix === undefined) {
    if (ipMemo.size >= 50_000) ipMemo.clear()
    prefix = toIpPrefix(value)
    ipMemo.set(value, prefix)
  }
  return prefix
}

/** An IP address or prefix, stored only as its prefix (/24, /48). */
export const ipPrefixField = () =>
  field(
    z
      .string()
      .max(64)
      .transform((value, ctx) => {
        const prefix = toIpPrefix(value)
        if (prefix === null) {
          ctx.addIssue({ code: 'custom', message: 'not an IP address or prefix' })
          return z.NEVER
        }
        return prefix
      }),
    (v) => (typeof v === 'string' && v.length <= 64 ? (memoPrefix(v) ?? SKIP) : SKIP),
  )

/** A set of enum values, at most one of each value's worth in length. */
export function enumListField<T extends [string, ...string[]]>(values: Readonly<T>) {
  const set = new Set<string>(values)
  return field(z.array(z.enum(values as T)).max(values.length), (v) =>
    Array.isArray(v) && v.length <= values.length && v.every((r) => typeof r === 'string' && set.has(r)) ? [...v] : SKIP,
  )
}

/** The zod object shape of a field table, types preserved for z.infer. */
export function zodShape<S extends Record<string, Field>>(fields: S): { [K in keyof S]: S[K]['zod'] } {
  return Object.fromEntries(Object.entries(fields).map(([key, f]) => [key, f.zod])) as { [K in keyof S]: S[K]['zod'] }
}
