'use client'
import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query'
import { useDashboardParams } from './useDashboardParams'

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export type QueryValue = string | number | undefined | null

export function apiUrl(path: string, params: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v))
  const qs = search.toString()
  return qs ? `${path}?${qs}` : path
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), ...init?.headers } })
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`
    try {
      const body = (await res.json()) as { error?: string }
      if (body.error) message = body.error
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message)
  }
  return res.json() as Promise<T>
}

/**
 * The one way dashboard hooks fetch: the global range and tenant from the URL
 * are added to every request, the previous data stays on screen while a
 * refetch runs (no flicker on live refresh or range change), and live mode
 * refetches on an interval that suits the range.
 */
export function useApiQuery<T>(
  path: string,
  params: Record<string, QueryValue> = {},
  opts: { enabled?: boolean; withRange?: boolean; liveMs?: number } = {},
): UseQueryResult<T, ApiError> {
  const { apiParams, refreshMs } = useDashboardParams()
  const all = opts.withRange === false ? params : { ...apiParams, ...params }
  const url = apiUrl(path, all)
  return useQuery<T, ApiError>({
    queryKey: ['api', url],
    queryFn: ({ signal }) => fetchJson<T>(url, { signal }),
    enabled: opts.enabled ?? true,
    placeholderData: keepPreviousData,
    refetchInterval: refreshMs ? (opts.liveMs ?? refreshMs) : false,
    retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
  })
}
