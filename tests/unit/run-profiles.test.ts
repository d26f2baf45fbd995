import { describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { readTraits } from '../../lib/detection/bombing-traits'
import { RunProfiles } from '../../lib/detection/run-profiles'

const profile = (tenant: string, id: string, version: string) => ({
  tenant_id: tenant,
  install_id: id,
  app_version: version,
  device_model: 'Pixel 8',
  os_version: '14',
  device_fingerprint: `fp-${id}`,
  ip_prefix: '10.0.0.0/24',
  asn: 64500,
})

/** A store answering the farm profiles query with `rows` (columns) and the traits query with one row per asked install. */
function fakeStore(rows: ReturnType<typeof profile>[], fail = 0) {
  const calls: string[] = []
  const store = {
    database: 'db',
    client: {
      query: async ({ query, query_params: q }: { query: string; query_params: Record<string, unknown> }) => {
        const kind = query.includes('WITH active') ? 'profiles' : 'traits'
        calls.push(kind)
        if (kind === 'profiles' && fail-- > 0) throw new Error('engine busy')
        return {
          json: async () => {
            if (kind === 'traits')
              return { rows: (q.installs as string[]).length, data: columnsOf((q.installs as string[]).map((id) => profile(q.tenant as string, id, 'read'))) }
            return { rows: rows.length, data: columnsOf(rows) }
          },
        }
      },
    },
  }
  return { store: store as unknown as Store, calls }
}

const columnsOf = (rows: Record<string, unknown>[]) => Object.fromEntries(Object.keys(profile('', '', '')).map((k) => [k, rows.map((r) => r[k])]))

describe('install profiles shared by a detection run', () => {
  it('gives traits from the one read of the farm window, and reads only the installs it lacks', async () => {
    const { store, calls } = fakeStore([profile('t1', 'a', '2.0'), profile('t1', 'b', '2.1'), profile('t2', 'a', '3.0')])
    const shared = new RunProfiles(store, { farmWindowMinutes: 60 }, 1_800_000_000_000)
    const traits = await readTraits(
      store,
      [
        { tenant_id: 't1', install_id: 'a' },
        { tenant_id: 't2', install_id: 'a' },
        { tenant_id: 't2', install_id: 'z' },
      ],
      shared,
    )
    expect(traits.get('t1\u0000a')?.app_version).toBe('2.0')
    expect(traits.get('t2\u0000a')?.app_version).toBe('3.0')
    expect(traits.get('t2\u0000z')?.app_version).toBe('read')
    expect(traits.has('t1\u0000b')).toBe(false)
    await shared.read()
    expect(calls).toEqual(['profiles', 'traits'])
    expect(shared.params).toEqual({ from: 1_800_000_000 - 3600, to: 1_800_000_001, tenant: '' })
  })

  it('does not keep a failed read: the next detector reads again', async () => {
    const { store, calls } = fakeStore([profile('t1', 'a', '2.0')], 1)
    const shared = new RunProfiles(store, { farmWindowMinutes: 60 }, 1_800_000_000_000)
    await expect(shared.read()).rejects.toThrow('engine busy')
    expect((await shared.read()).rows).toBe(1)
    expect(calls).toEqual(['profiles', 'profiles'])
  })
})
