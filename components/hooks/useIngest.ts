'use client'
import type { DeadLettersResponse, IngestHealthResponse } from '@/lib/dashboard/types'
import { apiUrl, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'

export function useIngestHealth() {
  return useApiQuery<IngestHealthResponse>('/api/ingest/health', {}, { liveMs: 5_000 })
}

export const DEAD_LETTERS_PAGE_SIZE = 20

export function useDeadLetters(reason: string, page: number) {
  return useApiQuery<DeadLettersResponse>('/api/ingest/dead-letters', { reason, offset: page * DEAD_LETTERS_PAGE_SIZE, limit: DEAD_LETTERS_PAGE_SIZE })
}

/** Download link for every dead letter of the range (of the reason, if one is picked), newest first; streamed by the server. */
export function useDeadLettersExportUrl(reason: string): string {
  const { apiParams } = useDashboardParams()
  return apiUrl('/api/ingest/dead-letters/export', { ...apiParams, reason })
}
