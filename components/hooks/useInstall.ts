'use client'
import type { InstallEventsPage, InstallProfile, InstallProfilesResponse, InstallTimeline } from '@/lib/dashboard/types'
import { useApiQuery } from './api'
import type { PageRequest } from './useOverview'

const enc = encodeURIComponent

export function useInstallProfile(id: string) {
  return useApiQuery<InstallProfile>(`/api/installs/${enc(id)}`, {}, { withRange: false })
}

export function useInstallTimeline(id: string) {
  return useApiQuery<InstallTimeline>(`/api/installs/${enc(id)}/timeline`)
}

export function useInstallEvents(id: string, type: string, p: PageRequest) {
  return useApiQuery<InstallEventsPage>(`/api/installs/${enc(id)}/events`, { type, ...p })
}

/** Profiles of many installs at once (farm members); ids are sorted so the cache key is stable. */
export function useInstallProfiles(ids: string[]) {
  const list = [...ids].sort().join(',')
  return useApiQuery<InstallProfilesResponse>('/api/installs/profiles', { ids: list }, { withRange: false, enabled: ids.length > 0 })
}
