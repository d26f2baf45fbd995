/**
 * Number and time formatting shared by tiles, axes, tooltips, tables and CSV
 * headers. Money arrives as integer micro-dollars everywhere in the product.
 */

const MICROS_PER_USD = 1_000_000

export function usd(micros: number, opts: { precise?: boolean } = {}): string {
  const dollars = micros / MICROS_PER_USD
  const abs = Math.abs(dollars)
  if (opts.precise || abs < 1) {
    const digits = abs === 0 ? 2 : abs < 0.01 ? 4 : abs < 1 ? 3 : 2
    return `$${dollars.toFixed(digits)}`
  }
  if (abs >= 1_000_000) return `$${(dollars / 1_000_000).toFixed(2)}M`
  if (abs >= 10_000) return `$${(dollars / 1_000).toFixed(1)}k`
  return `$${dollars.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

/** Short form for axes: $0, $1.2k, $350. */
export function usdAxis(micros: number): string {
  const dollars = micros / MICROS_PER_USD
  const abs = Math.abs(dollars)
  if (abs >= 1_000_000) return `$${trim(dollars / 1_000_000)}M`
  if (abs >= 1_000) return `$${trim(dollars / 1_000)}k`
  if (abs >= 1 || abs === 0) return `$${trim(dollars)}`
  return `$${dollars.toFixed(abs < 0.01 ? 4 : 2)}`
}

function trim(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '')
}

/** 1234 → "1.23k", 5_600_000 → "5.6M". */
export function compact(n: number): string {
  const abs = Math.abs(n)
  if (abs >= 1e9) return `${trim(n / 1e9)}B`
  if (abs >= 1e6) return `${trim(n / 1e6)}M`
  if (abs >= 1e3) return `${trim(n / 1e3)}k`
  return Number.isInteger(n) ? String(n) : trim(n)
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/**
 * A count that may be an average (mean concurrent streams): whole numbers as
 * count(), fractions kept, so an average of 0.4 does not read as 0.
 */
export function quantity(n: number): string {
  if (!Number.isFinite(n)) return '–'
  if (Number.isInteger(n) || Math.abs(n) >= 100) return count(n)
  return Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2).replace(/\.?0+$/, '')
}

export function tokens(n: number): string {
  return `${compact(n)} tok`
}

export function percent(ratio: number, digits = 1): string {
  if (!Number.isFinite(ratio)) return '–'
  return `${(ratio * 100).toFixed(digits)}%`
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`
}

const pad = (n: number) => String(n).padStart(2, '0')

export const DAY_MS = 86_400_000

/*
 * Time-zone rule, applied by every chart, tooltip and table:
 * - Day buckets (step >= 1 day) are UTC days, because the store buckets on
 *   UTC midnight; they are formatted in UTC and labelled "UTC" so a bucket
 *   never reads as the local day before it.
 * - Anything finer (minutes, hours, single events) is shown in the viewer's
 *   local zone, with the zone named once per chart or table (zoneName).
 * Every function takes an optional IANA `timeZone` (default: the runtime's
 * local zone) so the rule can be tested independently of the machine's zone.
 */

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** Intl formatters are costly to build and these run per tick and per row: one per zone and kind. */
function cachedFormat(cache: Map<string, Intl.DateTimeFormat>, timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = timeZone ?? ''
  let f = cache.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { ...options, timeZone })
    cache.set(key, f)
  }
  return f
}
const clockFormats = new Map<string, Intl.DateTimeFormat>()
const zoneFormats = new Map<string, Intl.DateTimeFormat>()
// hourCycle h23: some engines print midnight as "24" with hour12: false.
const clockFormat = (timeZone: string | undefined) =>
  cachedFormat(clockFormats, timeZone, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  })

/** Calendar fields of an instant in a zone (local when omitted). */
export function wallClock(ms: number, timeZone?: string): WallClock {
  const out: Record<string, number> = {}
  for (const p of clockFormat(timeZone).formatToParts(ms)) if (p.type !== 'literal') out[p.type] = Number(p.value)
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const monthDay = (c: WallClock) => `${MONTHS[c.month - 1]} ${c.day}`

/** Short name of a zone at an instant: "PST", "GMT+2", "UTC". Local zone when omitted. */
export function zoneName(ms = Date.now(), timeZone?: string): string {
  const parts = cachedFormat(zoneFormats, timeZone, { timeZoneName: 'short' }).formatToParts(ms)
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone ?? 'local'
}

/** True when buckets of this size are whole UTC days. */
export function isDayStep(stepMs: number | undefined): boolean {
  return stepMs !== undefined && stepMs >= DAY_MS
}

/** "Mar 1": the UTC calendar day of a day bucket. */
export function utcDay(ms: number): string {
  return monthDay(wallClock(ms, 'UTC'))
}

/**
 * Axis tick for a bucket start. Day buckets: the UTC day. Finer buckets: time
 * of day for short spans, date and time for a week, date for longer, in the
 * local zone (name it once next to the chart with zoneName).
 */
export function timeTick(ms: number, spanMs: number, opts: { stepMs?: number; timeZone?: string } = {}): string {
  if (isDayStep(opts.stepMs)) return utcDay(ms)
  const c = wallClock(ms, opts.timeZone)
  const hm = `${pad(c.hour)}:${pad(c.minute)}`
  if (spanMs <= 36 * 3_600_000) return hm
  const md = monthDay(c)
  return spanMs <= 8 * 86_400_000 ? `${md} ${hm}` : md
}

/** Tooltip heading for a bucket: "Mar 1, 2025 (UTC day)" for day buckets, else "2025-03-01 14:05 PST". */
export function bucketLabel(ms: number, stepMs?: number, timeZone?: string): string {
  if (isDayStep(stepMs)) {
    const c = wallClock(ms, 'UTC')
    return `${monthDay(c)}, ${c.year} (UTC day)`
  }
  return `${dateTime(ms, timeZone).slice(0, 16)} ${zoneName(ms, timeZone)}`
}

/** "2025-03-01 14:05:09", local (or the given zone); name the zone once per table or list. */
export function dateTime(ms: number, timeZone?: string): string {
  const c = wallClock(ms, timeZone)
  return `${c.year}-${pad(c.month)}-${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`
}

/** dateTime with the zone appended, for a time that stands alone (a tile hint, a range label). */
export function dateTimeZone(ms: number, timeZone?: string): string {
  return `${dateTime(ms, timeZone)} ${zoneName(ms, timeZone)}`
}

/** "3 min ago", for last-insert and last-seen columns. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86_400)} d ago`
}

export type Unit = 'usd' | 'tokens' | 'count' | 'percent' | 'duration' | 'rate'

/** One entry point so charts can take a unit prop instead of a formatter function. */
export function formatUnit(value: number, unit: Unit): string {
  switch (unit) {
    case 'usd':
      return usd(value)
    case 'tokens':
      return tokens(value)
    case 'count':
      return quantity(value)
    case 'percent':
      return percent(value)
    case 'duration':
      return duration(value)
    case 'rate':
      return compact(value)
  }
}

export function formatAxis(value: number, unit: Unit): string {
  switch (unit) {
    case 'usd':
      return usdAxis(value)
    case 'percent':
      return percent(value, value !== 0 && Math.abs(value) < 0.01 ? 2 : 0)
    case 'duration':
      return duration(value)
    default:
      return compact(value)
  }
}
