'use client'
import type { DeadLettersResponse, IngestHealthResponse } from '@/lib/dashboard/types'
import { useApiQuery } from './api'

export function useIngestHealth() {
  return useApiQuery<IngestHealthResponse>('/api/ingest/health', {}, { liveMs: 5_000 })
}

export const DEAD_LETTERS_PAGE_SIZE = 20

export function useDeadLetters(reason: string, page: number) {
  return useApiQuery<DeadLettersResponse>('/api/ingest/dead-letters', { reason, offset: page * DEAD_LETTERS_PAGE_SIZE, limit: DEAD_LETTERS_PAGE_SIZE })
}
