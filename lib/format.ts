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

/** Axis tick for a bucket start: time of day for short spans, date for long ones. Local time zone. */
export function timeTick(ms: number, spanMs: number): string {
  const d = new Date(ms)
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (spanMs <= 36 * 3_600_000) return hm
  const md = `${d.toLocaleString('en-US', { month: 'short' })} ${d.getDate()}`
  return spanMs <= 8 * 86_400_000 ? `${md} ${hm}` : md
}

export function dateTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
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
    case 'usd': return usd(value)
    case 'tokens': return tokens(value)
    case 'count': return count(value)
    case 'percent': return percent(value)
    case 'duration': return duration(value)
    case 'rate': return compact(value)
  }
}

export function formatAxis(value: number, unit: Unit): string {
  switch (unit) {
    case 'usd': return usdAxis(value)
    case 'percent': return percent(value, value !== 0 && Math.abs(value) < 0.01 ? 2 : 0)
    case 'duration': return duration(value)
    default: return compact(value)
  }
}
