'use client'
import type { PromptSizeHistogram } from '@/lib/dashboard/types'
import { useApiQuery } from './api'

export function usePromptSizes() {
  return useApiQuery<PromptSizeHistogram>('/api/prompt-sizes')
}
