import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_COLUMNS } from '../../lib/ingest/event-columns'
import { rows, testStore } from '../helpers/store'

type TestStore = Awaited<ReturnType<typeof testStore>>
let store: TestStore

beforeAll(async () => {
  store = await testStore('eventcolumns')
})
afterAll(() => store?.drop())

describe('the event column declaration (lib/ingest/event-columns.ts)', () => {
  it('is the events table of a migrated store: every column ingest writes, in order, with its type', async () => {
    const table = await rows<{ name: string; type: string; default_kind: string }>(
      store,
      'SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
      { db: store.database, t: 'events' },
    )
    // Columns the table fills itself (ingested_at) are not written by ingest.
    const written = table.filter((c) => c.default_kind === '').map((c) => [c.name, c.type])
    expect(written).toEqual(EVENT_COLUMNS.map(([name, type]) => [name, type]))
    expect(table.filter((c) => c.default_kind !== '').map((c) => c.name)).toEqual(['ingested_at'])
  })
})
