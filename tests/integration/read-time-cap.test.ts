import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../../lib/clickhouse/select'
import { streamRows } from '../../lib/queries/sql'
import { testStore } from '../helpers/store'

// Issue 18, F11: every read a viewer can trigger (dashboard panels, detector rankings, audit and policy
// reads, all through selectRows) is cut off by the engine after 30 s; streamed exports after 300 s.
// Asked of the engine itself, so a client that drops the setting fails here.
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('read_cap')
})
afterAll(async () => store?.drop())

const CAP_SQL = "SELECT toUInt32(getSetting('max_execution_time')) AS cap"

describe('read time caps', () => {
  it('selectRows runs with max_execution_time = 30 s', async () => {
    expect(await selectRows<{ cap: number }>(store, CAP_SQL)).toEqual([{ cap: 30 }])
  })

  it('streamRows (CSV exports) runs with max_execution_time = 300 s', async () => {
    const rows: { cap: number }[] = []
    for await (const r of streamRows<{ cap: number }>(store, CAP_SQL)) rows.push(r)
    expect(rows).toEqual([{ cap: 300 }])
  })
})
