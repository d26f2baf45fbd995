import { describe, expect, it, vi } from 'vitest'

// Next.js loads lib/alerts/store.ts once for the route handlers and again for the detection runner (instrumentation):
// two module instances in one process. The lock and the version counter must be shared between them.
async function freshInstance() {
  vi.resetModules()
  return import('../../lib/alerts/store')
}

describe('alert write lock across module instances', () => {
  it("a user's action waits for a detection run that holds the lock in another instance of the module", async () => {
    const runner = await freshInstance()
    const routes = await freshInstance()
    expect(routes).not.toBe(runner)
    const order: string[] = []
    let release!: () => void
    const run = runner.withAlertLock(async () => {
      order.push('run: read')
      await new Promise<void>((r) => (release = r))
      order.push('run: write')
    })
    const action = routes.withAlertLock(async () => {
      order.push('action')
    })
    await new Promise((r) => setTimeout(r, 20))
    release()
    await Promise.all([run, action])
    expect(order).toEqual(['run: read', 'run: write', 'action'])
  })

  it('versions keep increasing across instances, even within one millisecond', async () => {
    const a = await freshInstance()
    const b = await freshInstance()
    const versions = [a.nextVersion(), b.nextVersion(), a.nextVersion(), b.nextVersion()]
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1])
  })
})
