import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'

// Spy on verifyPassword to see which hash an unknown user name is checked against.
vi.mock('../../lib/auth/passwords', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lib/auth/passwords')>()
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) }
})

const passwords = await import('../../lib/auth/passwords')
const { authenticateLocal, saveUser } = await import('../../lib/auth/users')

interface Row {
  user_id: string
  display_name: string
  role: string
  password_hash: string
  disabled: number
}

/** Just enough of a Store for users.ts: one table, last write wins (like ReplacingMergeTree FINAL). */
function fakeStore(rows: Row[] = []) {
  const table = new Map(rows.map((r) => [r.user_id, r]))
  const inserted: Row[] = []
  const store = {
    database: 'db',
    client: {
      query: async ({ query_params }: { query_params?: { id?: string } }) => ({
        json: async () => (query_params?.id !== undefined ? [table.get(query_params.id)].filter(Boolean) : [...table.values()]),
      }),
      insert: async ({ values }: { values: Row[] }) => {
        for (const v of values) {
          inserted.push(v)
          table.set(v.user_id, v)
        }
      },
    },
  }
  return { store: store as unknown as Store, inserted }
}

// Braces matter: a function returned from beforeEach runs as its teardown.
beforeEach(() => {
  vi.mocked(passwords.verifyPassword).mockClear()
})

describe('unknown user names cost as much as real ones', () => {
  it('the dummy hash carries exactly the cost parameters of a freshly made hash', async () => {
    const real = passwords.hashParams(await passwords.hashPassword('some password'))
    expect(real).not.toBeNull()
    expect(passwords.hashParams(passwords.DUMMY_HASH)).toEqual(real)
    // Same shape too (salt and key lengths), so verify does the same work and comparison.
    const [, , , , salt, key] = passwords.DUMMY_HASH.split('$')
    const [, , , , realSalt, realKey] = (await passwords.hashPassword('x')).split('$')
    expect([salt.length, key.length]).toEqual([realSalt.length, realKey.length])
  })

  it('authenticateLocal verifies unknown names against a hash with the real parameters', async () => {
    const { store } = fakeStore()
    expect(await authenticateLocal(store, 'nobody', 'guess')).toBeNull()
    expect(passwords.verifyPassword).toHaveBeenCalledTimes(1)
    const usedHash = vi.mocked(passwords.verifyPassword).mock.calls[0][1]
    expect(passwords.hashParams(usedHash)).toEqual(passwords.hashParams(await passwords.hashPassword('y')))
  })

  it('the dummy hash never verifies', async () => {
    expect(await passwords.verifyPassword('', passwords.DUMMY_HASH)).toBe(false)
    expect(await passwords.verifyPassword('AAAA', passwords.DUMMY_HASH)).toBe(false)
  })
})

describe('saveUser', () => {
  const disabledUser: Row = { user_id: 'fin', display_name: 'Finance', role: 'viewer', password_hash: 'scrypt$1$1$1$a$b', disabled: 1 }

  it('keeps a disabled user disabled when an update only changes the role', async () => {
    const { store, inserted } = fakeStore([disabledUser])
    const saved = await saveUser(store, { userId: 'fin', role: 'responder' })
    expect(saved).toMatchObject({ role: 'responder', disabled: true })
    expect(inserted.at(-1)).toMatchObject({ role: 'responder', disabled: 1, password_hash: disabledUser.password_hash })
  })

  it('still enables, disables and creates as asked', async () => {
    const { store } = fakeStore([disabledUser])
    expect((await saveUser(store, { userId: 'fin', role: 'viewer', disabled: false })).disabled).toBe(false)
    expect((await saveUser(store, { userId: 'fin', role: 'viewer' })).disabled).toBe(false)
    expect((await saveUser(store, { userId: 'fin', role: 'viewer', disabled: true })).disabled).toBe(true)
    expect((await saveUser(store, { userId: 'new', role: 'viewer' })).disabled).toBe(false)
  })
})
