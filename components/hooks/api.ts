'use client'
import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query'
import { useDashboardParams } from './useDashboardParams'

export class ApiError extends Error {
  /** `details`: the server's `{ details }` next to `error`, e.g. zod issues of a rejected body. */
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

/** 401/403: polling again cannot succeed until the user signs in or gets another role. */
export function isDenied(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 401 || err.status === 403)
}

/** Retries a failed query twice, but never a 4xx: asking again cannot change the answer. */
export const retryServerErrors = (count: number, err: unknown) => !(err instanceof ApiError && err.status < 500) && count < 2

export interface PollOptions {
  /** Interval while live, instead of the range's. */
  liveMs?: number
  /** Stop polling after a 401/403: role-gated endpoints must not be refused every few seconds forever. */
  stopOnDenied?: boolean
}

/** Refetch interval of a query: off when paused (refreshMs 0), and after a 401/403 when asked. */
export function pollInterval(refreshMs: number, opts: PollOptions, error: unknown): number | false {
  if (!refreshMs) return false
  if (opts.stopOnDenied && isDenied(error)) return false
  return opts.liveMs ?? refreshMs
}

export type QueryValue = string | number | undefined | null

export function apiUrl(path: string, params: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v))
  const qs = search.toString()
  return qs ? `${path}?${qs}` : path
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), ...init?.headers },
  })
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`
    let details: unknown
    try {
      const body = (await res.json()) as { error?: string; details?: unknown }
      if (body.error) message = body.error
      details = body.details
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message, details)
  }
  return res.json() as Promise<T>
}

export const postJson = <T>(path: string, body?: unknown) =>
  fetchJson<T>(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

/**
 * The one way dashboard hooks fetch: the global range and tenant from the URL
 * are added to every request, the previous data stays on screen while a
 * refetch runs (no flicker on live refresh or range change), and live mode
 * refetches on an interval that suits the range.
 */
export function useApiQuery<T>(
  path: string,
  params: Record<string, QueryValue> = {},
  opts: PollOptions & { enabled?: boolean; withRange?: boolean } = {},
): UseQueryResult<T, ApiError> {
  const { apiParams, refreshMs } = useDashboardParams()
  const all = opts.withRange === false ? params : { ...apiParams, ...params }
  const url = apiUrl(path, all)
  return useQuery<T, ApiError>({
    queryKey: ['api', url],
    queryFn: ({ signal }) => fetchJson<T>(url, { signal }),
    enabled: opts.enabled ?? true,
    placeholderData: keepPreviousData,
    refetchInterval: (query) => pollInterval(refreshMs, opts, query.state.error),
    retry: retryServerErrors,
  })
}
