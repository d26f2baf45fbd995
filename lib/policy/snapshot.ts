import type { Store } from '../clickhouse/client'
import type { KeyRing } from './keys'
import { readChanges } from './log-store'
import type { PolicyService } from './service'
import { isActive, type Rule } from './types'

/** Full current policy, as a gateway applies it on start. Expired rules are left out: they do nothing. */
export interface SnapshotPayload {
  kind: 'snapshot'
  version: number
  issuedAt: number
  rules: Rule[]
}

/** What changed after `fromVersion`: the latest state of every rule written since, and rules removed. */
export interface DeltaPayload {
  kind: 'delta'
  fromVersion: number
  version: number
  issuedAt: number
  upserts: Rule[]
  removed: string[]
}

/** One compacted-topic record: the latest state of one rule (null = removed), signed like snapshots. */
export interface RuleRecordPayload {
  kind: 'rule'
  key: string
  version: number
  issuedAt: number
  rule: Rule | null
}

export function snapshotPayload(service: PolicyService, nowMs = Date.now()): SnapshotPayload {
  const { version, rules } = service.current()
  return { kind: 'snapshot', version, issuedAt: nowMs, rules: rules.filter((r) => isActive(r, nowMs)).sort((a, b) => a.key.localeCompare(b.key)) }
}

export async function deltaPayload(store: Store, service: PolicyService, fromVersion: number, nowMs = Date.now()): Promise<DeltaPayload> {
  const version = service.version
  const latest = new Map<string, Rule | null>()
  for (const change of await readChanges(store, { sinceVersion: fromVersion })) {
    if (change.version > version) break // committed after we read the version: next poll gets it
    for (const r of change.rules) latest.set(r.key, r.after)
  }
  const upserts = [...latest.values()].filter((r): r is Rule => r !== null)
  const removed = [...latest.entries()].filter(([, r]) => r === null).map(([k]) => k)
  return { kind: 'delta', fromVersion, version, issuedAt: nowMs, upserts, removed }
}

/** Strong ETag: same version, same signing key, same view = same body semantics. */
export function policyEtag(version: number, kid: string, since?: number): string {
  return `"p${version}.${kid}${since === undefined ? '' : `.s${since}`}"`
}

export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*')
}

/**
 * The HTTP answer for gateways that poll: a signed snapshot, or a signed delta
 * when `since` is given and not ahead of us, with an ETag so an unchanged
 * policy costs a 304 and no signature. The service follows the log by polling
 * (service.ts), so any replica answers within a poll of the newest version.
 */
export async function snapshotResponse(
  store: Store,
  service: PolicyService,
  ring: KeyRing,
  since: number | undefined,
  ifNoneMatch: string | null,
): Promise<Response> {
  await service.ready()
  // A gateway ahead of us saw a newer version from another replica: catch up now rather than at the next poll.
  if (since !== undefined && since > service.version) await service.sync().catch(() => {})
  const version = service.version
  const useDelta = since !== undefined && since <= version
  const etag = policyEtag(version, ring.activeKid, useDelta ? since : undefined)
  const headers = { etag, 'cache-control': 'no-cache', 'x-policy-version': String(version) }
  if (etagMatches(ifNoneMatch, etag)) return new Response(null, { status: 304, headers })
  const payload = useDelta ? await deltaPayload(store, service, since) : snapshotPayload(service)
  const jws = await ring.sign(payload)
  return Response.json({ version: payload.version, kind: payload.kind, kid: ring.activeKid, jws }, { headers })
}
