import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { incidentExportRows, incidentListQuery, incidentListResponse } from '../../lib/alerts/incident-api'
import { writeIncidents } from '../../lib/alerts/incident-store'
import type { Incident } from '../../lib/alerts/incident-types'
import { newRecordId } from '../../lib/ids'
import { csvText } from '../../lib/dashboard/csv-route'
import { DEAD_LETTERS_CSV, FARM_MEMBERS_CSV, INCIDENTS_CSV, INSTALL_EVENTS_CSV, RANKING_CSV } from '../../lib/http/csv-tables'
import { deadLettersWindow } from '../../lib/http/route-queries'
import { wholeRanking } from '../../lib/http/ranking-export'
import { farmClustersInWindow } from '../../lib/detection/emulator-farms'
import { detectorRanking, rankingQuery } from '../../lib/detection/rankings'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { DetectorName } from '../../lib/detection/types'
import { prepareBatch } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink } from '../../lib/ingest/sink'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { deadLetterReasons } from '../../lib/queries/dead-letter-reasons'
import { deadLetterRows, deadLetterSamples } from '../../lib/queries/dead-letter-samples'
import { farmMemberRows, farmMembers } from '../../lib/queries/farm-members'
import { installEventRows, installEvents } from '../../lib/queries/install-events'
import { resolveRange, type ResolvedRange } from '../../lib/time-range'
import { llmRequest } from '../helpers/events'
import { rows } from '../helpers/store'
import { loadFixture } from './queries-fixture'

/**
 * Every table's CSV export reads the same rows as the table's pages, in the same order, each once; client-sent
 * text (install ids, features, app versions, dead-letter payloads) leaves the CSV formula-guarded.
 */
let store: Store & { drop(): Promise<void> }
let range: ResolvedRange
let fixtureRange: ResolvedRange
const rangeParams = { range: '1h' as const, tenant: '', reason: '', sort: 'received_at' as const, dir: 'desc' as const, offset: 0, limit: 20 }
let now: number
// An install whose client-sent names would run as spreadsheet formulas.
const EVIL = { install_id: '=cmd-install', feature: '=cmd', app_version: '=1+1', tenant_id: 'acme' }

beforeAll(async () => {
  const f = await loadFixture('q_exports')
  store = f.store
  now = f.toMs
  range = resolveRange({ range: 'custom', from: f.fromMs, to: f.toMs })
  fixtureRange = range
  const values = [
    ...[1, 2, 3].map((i) => JSON.stringify(llmRequest({ ...EVIL, ts: f.toMs - i * 60_000 }))),
    // Not an event: a dead letter whose stored payload (JSON, redacted) holds quotes, commas and a line break.
    JSON.stringify({ schema_version: 1, type: '=cmd', note: 'a,"b"\nc' }),
  ]
  const messages = values.map((v, i) => ({ topic: 'fixture', partition: 1, offset: i, key: null, value: Buffer.from(v) }))
  const deps = { limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 86_400_000 }, prices: defaultPriceBook, recentIds: new RecentIds() }
  await new ClickHouseSink(store).write(prepareBatch(messages, deps), { topic: 'fixture', partition: 1, firstOffset: 0, lastOffset: messages.length - 1 })
})
afterAll(async () => store?.drop())

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const r of it) out.push(r)
  return out
}

/** Every page of a paged read concatenated, until the total is reached. */
async function allPages<T>(page: (offset: number) => Promise<{ rows: T[]; total: number }>, size: number): Promise<{ rows: T[]; total: number }> {
  const out: T[] = []
  let total = 0
  for (let offset = 0; offset === 0 || offset < total; offset += size) {
    const p = await page(offset)
    total = p.total
    out.push(...p.rows)
  }
  return { rows: out, total }
}

const csvLines = (text: string) => text.trimEnd().split('\r\n')

/** RFC 4180 as a spreadsheet reads it: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const out: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch !== '"') cell += ch
      else if (text[i + 1] === '"') {
        cell += '"'
        i++
      } else quoted = false
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      out.push([...row, cell])
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  return out
}

describe('CSV exports stream the table the pages show', () => {
  it('dead letters: the stream equals the pages, every row once; payloads survive quoting', async () => {
    // As the route reads them: up to now, so the letters written a moment ago count.
    const range = deadLettersWindow({ ...rangeParams, window: fixtureRange })
    const reasons = (await deadLetterReasons(store, range)).map((r) => r.reason)
    expect(reasons.length).toBeGreaterThan(0)
    for (const reason of ['', ...reasons]) {
      const paged = await allPages((offset) => deadLetterSamples(store, range, reason, { sort: 'received_at', dir: 'desc', offset, limit: 3 }), 3)
      const streamed = await collect(deadLetterRows(store, range, reason, 'desc'))
      const key = (r: { src_topic: string; src_partition: number; src_offset: number }) => `${r.src_topic}/${r.src_partition}/${r.src_offset}`
      expect(paged.total).toBeGreaterThan(0)
      expect(streamed.length).toBe(paged.total)
      expect(streamed.map(key)).toEqual(paged.rows.map(key))
      expect(new Set(streamed.map(key)).size).toBe(streamed.length)
    }
    const letters = await collect(deadLetterRows(store, range, '', 'desc'))
    const parsed = parseCsv(await csvText(DEAD_LETTERS_CSV, letters))
    expect(parsed[0]).toEqual(DEAD_LETTERS_CSV.header)
    const payload = DEAD_LETTERS_CSV.header.indexOf('payload_sample')
    expect(parsed.slice(1).map((r) => r[payload])).toEqual(letters.map((l) => l.payload))
    expect(letters.some((l) => l.payload.includes('=cmd') && l.payload.includes(','))).toBe(true)
  })

  it('install events: the stream equals the pages in both directions; client-sent ids and features are guarded', async () => {
    const [top] = await rows<{ install_id: string; tenant_id: string }>(
      store,
      `SELECT install_id, any(tenant_id) AS tenant_id FROM ${store.database}.events GROUP BY install_id ORDER BY count() DESC LIMIT 1`,
    )
    for (const dir of ['desc', 'asc'] as const) {
      const paged = await allPages((offset) => installEvents(store, range, top.tenant_id, top.install_id, 'all', { sort: 'ts', dir, offset, limit: 40 }), 40)
      const streamed = await collect(installEventRows(store, range, top.tenant_id, top.install_id, 'all', dir))
      expect(paged.total).toBeGreaterThan(40)
      expect(streamed).toEqual(paged.rows)
    }
    const text = await csvText(INSTALL_EVENTS_CSV, installEventRows(store, range, EVIL.tenant_id, EVIL.install_id, 'all', 'desc'))
    const lines = csvLines(text)
    expect(lines.length).toBe(4)
    for (const l of lines.slice(1)) expect(l.split(',')[2]).toBe(`'=cmd`)
  })

  it('farm members: the stream equals the pages of a detected cluster; client-sent labels are guarded', async () => {
    const clusters = await farmClustersInWindow(store, S, now, { fromMs: range.fromMs })
    const big = clusters.map((c) => c.cluster).sort((a, b) => b.size - a.size)[0]
    expect(big?.size).toBeGreaterThan(5)
    const ids = clusters.find((c) => c.cluster.cluster_id === big.cluster_id)!.memberIds
    const paged = await allPages(
      async (offset) => ({ rows: await farmMembers(store, big.tenant_id, ids, { sort: 'first_seen', dir: 'asc', offset, limit: 4 }), total: ids.length }),
      4,
    )
    const streamed = await collect(farmMemberRows(store, big.tenant_id, ids, 'first_seen', 'asc'))
    expect(streamed.map((p) => p.install_id)).toEqual(paged.rows.map((p) => p.install_id))
    expect(new Set(streamed.map((p) => p.install_id))).toEqual(new Set(ids))
    const [, line] = csvLines(await csvText(FARM_MEMBERS_CSV, farmMemberRows(store, EVIL.tenant_id, [EVIL.install_id], 'cost_micros', 'desc')))
    const cells = line.split(',')
    expect(cells[1]).toBe(`'=cmd-install`)
    expect(cells[FARM_MEMBERS_CSV.header.indexOf('app_version')]).toBe(`'=1+1`)
  })

  const SUBJECT: Record<Exclude<DetectorName, 'cost_anomalies'>, (r: never) => string> = {
    prompt_bombing: (r: { tenant_id: string; install_id: string; feature: string }) => `${r.tenant_id}/${r.install_id}/${r.feature}`,
    emulator_farms: (r: { cluster_id: string }) => r.cluster_id,
    stream_abuse: (r: { install_id: string }) => r.install_id,
    token_reuse: (r: { install_id: string }) => r.install_id,
  }
  for (const [name, key] of Object.entries(SUBJECT) as [Exclude<DetectorName, 'cost_anomalies'>, (r: unknown) => string][]) {
    it(`${name} ranking: the whole ranking is the pages concatenated, in their order`, async () => {
      const q = (extra: Record<string, string>) => rankingQuery.parse({ from: String(range.fromMs), to: String(range.toMs), ...extra })
      const sort = name === 'emulator_farms' ? 'size' : 'score'
      const page = async (offset: number) =>
        (await detectorRanking(store, S, name, q({ sort, dir: 'desc', offset: String(offset), limit: '60' }), now)) as { rows: unknown[]; total: number }
      const paged = await allPages(page, 60)
      const whole = await wholeRanking(store, S, name, q({ sort, dir: 'desc' }), now)
      expect(whole.rows.length).toBe(paged.total)
      if (name !== 'token_reuse') expect(paged.total).toBeGreaterThan(0)
      expect(whole.rows.map(key)).toEqual(paged.rows.map(key))
      const lines = csvLines(await csvText(RANKING_CSV[name] as never, whole.rows as never))
      expect(lines.length).toBe(paged.total + 1)
      expect(lines[0]).toBe(RANKING_CSV[name].header.join(','))
      if (name === 'prompt_bombing') {
        const first = await detectorRanking(store, S, name, q({}), now)
        const shown = (first.context as { concentration: unknown[] }).concentration
        expect(shown.length).toBeGreaterThan(0)
        expect(shown).toEqual(whole.concentration.slice(0, shown.length))
      }
      // Each page reruns the detector over the window: slow on a loaded machine.
    }, 300_000)
  }

  it('incidents: the stream equals the pages of the list, every incident once; client-sent titles are guarded', async () => {
    const base = { state: 'open' as const, severity: 'warning' as const, score: 5, acknowledged_by: null, acknowledged_at: null, snoozed_until: null }
    const incidents: Incident[] = Array.from({ length: 23 }, (_, i) => ({
      ...base,
      id: newRecordId(),
      tenant_id: 'acme',
      title: i === 0 ? '=HYPERLINK("http://x")' : `incident ${i}`,
      severity: i % 3 === 0 ? 'critical' : 'warning',
      score: i,
      first_seen: range.fromMs + i * 1000,
      last_seen: range.fromMs + 60_000 + (i % 5) * 1000,
      resolved_at: null,
      resolved_by: null,
      merged_into: i === 22 ? 'other' : '',
      alert_ids: [`a${i}`],
      detectors: ['prompt_bombing'],
      keys: [],
      updated_at: now,
      version: 1,
    }))
    await writeIncidents(store, incidents)
    const q = incidentListQuery.parse({ from: String(range.fromMs), to: String(range.toMs), sort: 'severity' })
    const paged = await allPages(async (offset) => {
      const r = await incidentListResponse(store, { ...q, offset, limit: 5 }, now)
      return { rows: r.incidents.map((i) => i.id), total: r.total }
    }, 5)
    const streamed = await collect(incidentExportRows(store, q, now).rows)
    expect(paged.total).toBe(22) // the merged one is left out, as on the page
    expect(streamed.map((i) => i.id)).toEqual(paged.rows)
    const parsed = parseCsv(await csvText(INCIDENTS_CSV, streamed))
    expect(parsed[0]).toEqual(INCIDENTS_CSV.header)
    expect(parsed.find((r) => r[0] === incidents[0].id)?.[2]).toBe(`'=HYPERLINK("http://x")`)
  })
})
