import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { rowVersion, serialised } from '../clickhouse/row-version'
import { installContext, UNKNOWN_INSTALL_CONTEXT } from '../events/schema'
import { toIpPrefix } from '../events/ip-prefix'
import { selectRows, table } from '../queries/sql'
import { tenantFilter } from '../time-range'
import { TEST_SOURCE_KINDS, TEST_SOURCE_MAX_DAYS, type TestSource, type TestSourceKind } from './types'

/**
 * The narrowest network a declaration may cover is what events store (/24,
 * /48); the widest is /16 (IPv4) or /32 (IPv6): a declaration wider than one
 * organisation's network would hold back findings on strangers.
 */
const WIDEST = { v4: 16, v6: 32 }

/** A network declaration's normalised prefix, or an error message. */
export function declaredNetwork(value: string): string | { error: string } {
  const [addr, len] = value.trim().split('/')
  const bits = len === undefined ? undefined : Number(len)
  const v6 = addr.includes(':')
  if (bits !== undefined && bits < (v6 ? WIDEST.v6 : WIDEST.v4)) return { error: `a network may be at most /${v6 ? WIDEST.v6 : WIDEST.v4} wide` }
  const prefix = toIpPrefix(value)
  if (!prefix) return { error: 'not an IP address or prefix' }
  if (prefix === UNKNOWN_INSTALL_CONTEXT.ip_prefix) return { error: 'that prefix stands for "network not known"' }
  return prefix
}

/** Each kind's value is checked as the event contract checks the field it is matched against. */
const VALUE_CHECKS: Record<Exclude<TestSourceKind, 'network'>, z.ZodTypeAny> = {
  app_id: installContext.app_id.zod,
  app_version: installContext.app_version.zod,
  device_fingerprint: installContext.device_fingerprint.zod.refine((v: string) => !/^0+$/.test(v), 'that fingerprint stands for "device not known"'),
}

const key = z.object({ tenant_id: tenantFilter.min(1), kind: z.enum(TEST_SOURCE_KINDS), value: z.string().trim().min(1).max(128) })

/** Validates and normalises a key: a network to its prefix, other values as the event contract would read them. */
function normalised<T extends z.infer<typeof key>>(v: T, ctx: z.RefinementCtx): T {
  if (v.kind === 'network') {
    const p = declaredNetwork(v.value)
    if (typeof p === 'string') return { ...v, value: p }
    ctx.addIssue({ code: 'custom', path: ['value'], message: p.error })
    return v
  }
  const r = VALUE_CHECKS[v.kind].safeParse(v.value)
  if (r.success && r.data === v.value) return v
  ctx.addIssue({ code: 'custom', path: ['value'], message: r.success ? `not a valid ${v.kind}` : r.error.issues[0].message })
  return v
}

/** What an admin may send to declare one source (PUT /api/test-sources). */
export const testSourceInput = key
  .extend({
    note: z.string().trim().min(3).max(200),
    days: z.number().int().min(1).max(TEST_SOURCE_MAX_DAYS),
  })
  .transform(normalised)
export type TestSourceInput = z.infer<typeof testSourceInput>
/** DELETE /api/test-sources */
export const testSourceKey = key.transform(normalised)
export type TestSourceKey = z.infer<typeof testSourceKey>

interface Row {
  tenant_id: string
  kind: string
  value: string
  note: string
  expires_at: string
  deleted: number
  updated_at: string
  updated_by: string
}

const ms = (s: string) => Date.parse(s.replace(' ', 'T') + 'Z')

/** The declarations in force at `now` (newest row per key, not deleted, not expired), optionally of one tenant. */
export async function listTestSources(store: Store, now = Date.now(), tenant = ''): Promise<TestSource[]> {
  const rows = await selectRows<Row>(
    store,
    `
    SELECT tenant_id, kind, value, argMax(note, version) AS note, argMax(expires_at, version) AS expires_at,
      argMax(deleted, version) AS deleted, argMax(updated_at, version) AS updated_at, argMax(updated_by, version) AS updated_by
    FROM ${table(store, 'test_sources')}
    WHERE {tenant:String} = '' OR tenant_id = {tenant:String}
    GROUP BY tenant_id, kind, value
    ORDER BY tenant_id, kind, value`,
    { tenant },
  )
  return rows
    .map((r) => ({ ...r, kind: r.kind as TestSourceKind, expires_at: ms(r.expires_at), updated_at: ms(r.updated_at), deleted: Number(r.deleted) }))
    .filter((r) => !r.deleted && r.expires_at > now && (TEST_SOURCE_KINDS as readonly string[]).includes(r.kind))
    .map(({ deleted: _deleted, ...r }) => r)
}

/** Serialises writes in this process so an audit entry's `before` is the row the write replaces. */
export const withTestSourceLock = serialised()

export async function writeTestSource(
  store: Store,
  s: TestSourceKey & { note: string; expires_at: number; deleted?: boolean },
  actor: string,
  now = Date.now(),
): Promise<void> {
  await store.client.insert({
    table: table(store, 'test_sources'),
    format: 'JSONEachRow',
    values: [
      {
        tenant_id: s.tenant_id,
        kind: s.kind,
        value: s.value,
        note: s.note,
        expires_at: s.expires_at,
        deleted: s.deleted ? 1 : 0,
        updated_at: now,
        updated_by: actor,
        version: rowVersion(now),
      },
    ],
  })
}
