'use client'
import type { InstallEventsPage, InstallProfile, InstallProfilesResponse, InstallTimeline } from '@/lib/dashboard/types'
import { apiUrl, useApiQuery } from './api'
import { useDashboardParams } from './useDashboardParams'
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

/** Download link for every event of the install in the range (of the type), in the table's order; streamed by the server. */
export function useInstallEventsExportUrl(id: string, type: string, dir: 'asc' | 'desc'): string {
  const { apiParams } = useDashboardParams()
  return apiUrl(`/api/installs/${enc(id)}/events/export`, { ...apiParams, type, dir })
}

/** Profiles of many installs at once (farm members); ids are sorted so the cache key is stable. */
export function useInstallProfiles(ids: string[]) {
  const list = [...ids].sort().join(',')
  return useApiQuery<InstallProfilesResponse>('/api/installs/profiles', { ids: list }, { withRange: false, enabled: ids.length > 0 })
}
