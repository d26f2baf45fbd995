import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChdbHttpServer, type ChdbHttpServer } from '../helpers/chdb-http-server'

/**
 * The stand-in must fail where a ClickHouse server fails, or server-mode runs
 * of the suite would pass code that breaks against a real server. One session
 * lane makes every request share the chDB session an earlier one changed.
 */
let server: ChdbHttpServer
let client: ClickHouseClient

beforeAll(async () => {
  server = await startChdbHttpServer({ dataDir: mkdtempSync(join(tmpdir(), 'br-http-')), sessions: 1 })
  client = createClient({ url: server.url })
})
afterAll(async () => {
  await client?.close()
  await server?.close()
})

async function one<T>(query: string, opts: Partial<Parameters<ClickHouseClient['query']>[0]> = {}): Promise<T> {
  const rs = await client.query({ query, format: 'JSONEachRow', ...opts })
  return ((await rs.json<T>()) as T[])[0]
}

describe('chDB behind the HTTP interface', () => {
  it('scopes a URL setting to its own request', async () => {
    expect(Number((await one<{ v: unknown }>(`SELECT getSetting('max_threads') AS v`, { clickhouse_settings: { max_threads: 1 } })).v)).toBe(1)
    expect(Number((await one<{ v: unknown }>(`SELECT getSetting('max_threads') AS v`)).v)).not.toBe(1)
  })

  it('refuses a parameter the request did not send, even if an earlier request set it', async () => {
    expect(await one(`SELECT {id:String} AS id`, { query_params: { id: "a\tb\\c'd" } })).toEqual({ id: "a\tb\\c'd" })
    await expect(one(`SELECT {id:String} AS id`)).rejects.toMatchObject({ code: '456', type: 'UNKNOWN_QUERY_PARAMETER' })
  })

  it('fails only the request with an unknown setting, not the next one', async () => {
    await expect(one(`SELECT 1 AS x`, { clickhouse_settings: { no_such_setting_here: 1 } as Record<string, number> })).rejects.toMatchObject({ code: '115' })
    expect(await one(`SELECT 1 AS x`)).toEqual({ x: 1 })
  })

  it("answers with a server's defaults: unquoted 64-bit integers, basic DateTime parsing", async () => {
    expect(await one(`SELECT toUInt64(42) AS n`)).toEqual({ n: 42 })
    expect(await one(`SELECT getSetting('date_time_input_format') AS f`)).toEqual({ f: 'basic' })
    expect(await one(`SELECT getSetting('date_time_input_format') AS f`, { clickhouse_settings: { date_time_input_format: 'best_effort' } })).toEqual({
      f: 'best_effort',
    })
  })

  it("takes an INSERT's rows from the body and reports errors as ClickHouse does", async () => {
    await client.command({ query: `CREATE TABLE IF NOT EXISTS default.t_http (a UInt8, s String) ENGINE = MergeTree ORDER BY a` })
    await client.insert({
      table: 'default.t_http',
      values: [
        { a: 1, s: '{x:String}' },
        { a: 2, s: 'y' },
      ],
      format: 'JSONEachRow',
    })
    expect(await one(`SELECT count() AS n, max(s) AS s FROM default.t_http`)).toEqual({ n: 2, s: '{x:String}' })
    await expect(one(`SELECT nosuchfn(1)`)).rejects.toMatchObject({ code: '46', type: 'UNKNOWN_FUNCTION' })
    expect(await client.ping()).toMatchObject({ success: true })
  })
})
