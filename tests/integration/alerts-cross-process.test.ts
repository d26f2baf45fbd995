import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { applyDetectionRun } from '../../lib/alerts/engine'
import { getIncident, writeIncidents } from '../../lib/alerts/incident-store'
import { DEFAULT_ALERT_POLICY as P } from '../../lib/alerts/lifecycle'
import { nextVersion } from '../../lib/alerts/store'
import { promptBombingFindings } from '../../lib/detection/detect-all'
import type { DetectionRun } from '../../lib/detection/detect-all'
import { bombingRow } from '../helpers/bombing-row'
import { testStore } from '../helpers/store'

// In server mode the dashboard (user actions) and the detection process are apart: the in-process lock cannot order
// them. A detection run that read an incident before a user acknowledged it must not write it back as open.
const MIN = 60_000
const T0 = Math.floor(Date.now() / MIN) * MIN - 30 * MIN
let store: Store & { drop(): Promise<void> }

const run = (minute: number): DetectionRun => ({
  now: T0 + minute * MIN,
  findings: promptBombingFindings([bombingRow('i-bomber')]),
  failed: [],
  durationMs: {} as never,
})

/** The store as the detection process sees it, with the other process's acknowledge landing right after its first read of incidents. */
function withActionDuringRead(inner: Store, action: () => Promise<void>): Store {
  let fired = false
  const client = new Proxy(inner.client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (prop !== 'query') return typeof value === 'function' ? value.bind(target) : value
      return async (params: { query: string }) => {
        const result = await target.query(params as never)
        if (!fired && /FROM \S+\.incidents FINAL/.test(params.query)) {
          fired = true
          await action()
        }
        return result
      }
    },
  })
  return { ...inner, client } as Store
}

beforeAll(async () => {
  store = await testStore('xproc')
})
afterAll(async () => store?.drop())

describe('detection run and a user action in another process', () => {
  it('an acknowledge written while a run was planning survives the run', async () => {
    await applyDetectionRun(store, run(0), P)
    const [opened] = (await store.client.query({ query: `SELECT id FROM ${store.database}.incidents FINAL`, format: 'JSONEachRow' }).then((r) => r.json())) as {
      id: string
    }[]
    const before = (await getIncident(store, opened.id))!
    expect(before.state).toBe('open')
    // The other process: the incident acknowledged by a user, with its own version.
    const acknowledge = async () => {
      const current = (await getIncident(store, opened.id))!
      await writeIncidents(store, [
        { ...current, state: 'acknowledged', acknowledged_by: 'oncall', acknowledged_at: T0 + 2 * MIN, version: nextVersion(current.version) },
      ])
    }
    // The next run still fires (last_seen moves, so it writes the incident again).
    await applyDetectionRun(withActionDuringRead(store, acknowledge), run(2), P)
    const after = (await getIncident(store, opened.id))!
    expect(after.state).toBe('acknowledged')
    expect(after.acknowledged_by).toBe('oncall')
    expect(after.last_seen).toBe(T0 + 2 * MIN)
  })
})
