import { toIpPrefix } from '../events/ip-prefix'
import type { TestSource } from './types'

/** What an install is matched on: its profile's traits. */
export interface InstallSourceTraits {
  app_id: string
  app_version: string
  device_fingerprint: string
  ip_prefix: string
}

/** Whether an install's stored prefix (/24, /48) lies inside a declared network prefix. */
export function insideNetwork(installPrefix: string, declared: string): boolean {
  const [addr] = installPrefix.split('/')
  const bits = declared.split('/')[1]
  return !!addr && !!bits && toIpPrefix(`${addr}/${bits}`) === declared
}

/** The first of a tenant's declarations the install matches, if any. Pure. */
export function matchingSource(sources: readonly TestSource[], t: InstallSourceTraits): TestSource | undefined {
  return sources.find((s) => {
    switch (s.kind) {
      case 'network':
        return insideNetwork(t.ip_prefix, s.value)
      case 'app_id':
        return t.app_id === s.value
      case 'app_version':
        return t.app_version === s.value
      case 'device_fingerprint':
        return t.device_fingerprint.toLowerCase() === s.value.toLowerCase()
    }
  })
}
