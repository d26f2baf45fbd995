'use client'
import { usePathname, useRouter, useSearchParams } from 'next/navigation'
import { useCallback, useMemo } from 'react'
import { RANGE_PRESETS, type RangePreset } from '@/lib/time-range'

/** Refresh interval per preset: a 7-day chart does not change in 10 s. */
const REFRESH_MS: Record<RangePreset, number> = { '15m': 10_000, '1h': 10_000, '24h': 60_000, '7d': 300_000, '30d': 600_000, '90d': 600_000, custom: 0 }

export interface DashboardParams {
  range: RangePreset
  from?: number
  to?: number
  tenant: string
  /** Live unless paused; a custom range is a fixed window, never live. */
  live: boolean
}

/**
 * Every table's page lives under a key ending in "Page" (tsPage, cbPage,
 * pbPage, fmPage, dlPage, evPage, alertsPage). A new tenant or range changes
 * how many rows there are, so the global controls clear them all; a table
 * left on page 7 of a bigger result would otherwise open past the end.
 */
export const isPageKey = (key: string) => /Page$/.test(key)

const PRESET_MS: Record<Exclude<RangePreset, 'custom'>, number> = {
  '15m': 900_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
}

/**
 * The window as epoch ms, for APIs that take from/to only (alerts, detectors).
 * Rounded to the minute so the query key, and thus the fetch, changes at most
 * once a minute.
 */
export function absoluteWindow(p: Pick<DashboardParams, 'range' | 'from' | 'to'>, maxMs = Infinity, now = Date.now()): { from: number; to: number } {
  if (p.range === 'custom' && p.from !== undefined && p.to !== undefined) return { from: Math.max(p.from, p.to - maxMs), to: p.to }
  const to = Math.floor(now / 60_000) * 60_000
  const span = Math.min(maxMs, PRESET_MS[p.range === 'custom' ? '1h' : p.range])
  return { from: to - span, to }
}

/**
 * Global view state lives in the URL (range, from, to, tenant, live), so a
 * copied link reproduces the view. Page-local state (sort, page, grouping)
 * uses the same mechanism through `setParams`; pass `{ resetPages: true }`
 * when the patch changes what every table counts (tenant, range).
 */
export function useDashboardParams() {
  const search = useSearchParams()
  const router = useRouter()
  const pathname = usePathname()
  const rawRange = search.get('range') as RangePreset | null
  const range: RangePreset = rawRange && RANGE_PRESETS.includes(rawRange) ? rawRange : '1h'
  const num = (k: string) => {
    const v = Number(search.get(k))
    return search.has(k) && Number.isFinite(v) ? v : undefined
  }
  const params: DashboardParams = {
    range,
    from: range === 'custom' ? num('from') : undefined,
    to: range === 'custom' ? num('to') : undefined,
    tenant: search.get('tenant') ?? '',
    live: range !== 'custom' && search.get('live') !== '0',
  }
  const setParams = useCallback(
    (patch: Record<string, string | number | null | undefined>, opts: { resetPages?: boolean } = {}) => {
      const next = new URLSearchParams(search.toString())
      if (opts.resetPages) for (const k of [...next.keys()]) if (isPageKey(k)) next.delete(k)
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === undefined || v === '') next.delete(k)
        else next.set(k, String(v))
      }
      const qs = next.toString()
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false })
    },
    [search, router, pathname],
  )
  const apiParams = useMemo(
    () => ({ range: params.range, from: params.from, to: params.to, tenant: params.tenant || undefined }),
    [params.range, params.from, params.to, params.tenant],
  )
  /** The global part of the query string, for links between pages. */
  const globalQuery = useMemo(() => {
    const q = new URLSearchParams()
    for (const k of ['range', 'from', 'to', 'tenant', 'live']) {
      const v = search.get(k)
      if (v) q.set(k, v)
    }
    const s = q.toString()
    return s ? `?${s}` : ''
  }, [search])
  return {
    ...params,
    search,
    setParams,
    apiParams,
    globalQuery,
    refreshMs: params.live ? REFRESH_MS[range] : 0,
    absoluteWindow: (maxMs?: number) => absoluteWindow(params, maxMs),
  }
}
