/**
 * What Burnrate knows about one install, shared by the detectors (which group installs by their
 * traits), the queries that read install_profile and the dashboard that shows it. It lives below
 * lib/detection, lib/queries and lib/dashboard so none of them imports another for it.
 * Times are epoch ms, money is integer micro-dollars.
 */

/** The device and network traits that tell installs apart (or show that a group shares them). */
export interface InstallTraits {
  install_id: string
  app_version: string
  device_model: string
  os_version: string
  device_fingerprint: string
  ip_prefix: string
  asn: number
}

/** An install_profile row merged per install. */
export interface InstallProfile extends InstallTraits {
  tenant_id: string
  first_seen: number
  last_seen: number
  app_id: string
  platform: string
  country: string
  events: number
  cost_micros: number
  attest_accepted: number
  attest_rejected: number
  emulator_rejections: number
  hooking_rejections: number
}

/** Columns the member list of a farm cluster can be ordered by (SQL, from a whitelist). */
export const FARM_MEMBER_SORTS = ['cost_micros', 'first_seen', 'last_seen', 'attest_rejected', 'events', 'install_id'] as const
export type FarmMemberSort = (typeof FARM_MEMBER_SORTS)[number]
