import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayEventInput } from '../../lib/events/schema'
import { installTimeline } from '../../lib/queries/install-timeline'
import { resolveRange } from '../../lib/time-range'
import { eventLoader } from '../helpers/load-events'
import { rows, testStore } from '../helpers/store'
import { installContext } from '../helpers/events'

/**
 * stream_progress reports go through the real decode → price → insert path
 * into a migrated store, next to the calls they report on. Every rollup
 * figure must then equal what the calls alone (llm_request + stream) give:
 * a report never adds cost, requests, tokens or stream time.
 */
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('progress')
})
afterAll(async () => {
  await store?.drop()
})

const MIN = 60_000
const t0 = Math.floor((Date.now() - 40 * MIN) / MIN) * MIN
let n = 0

const context = (install: string) => installContext('acme', install)
const usage = (input: number, completion: number) => ({
  feature: 'chat_assistant',
  model: 'gpt-4o-mini',
  prompt_tokens: input,
  completion_tokens: completion,
  context_tokens: input,
  prompt_bytes: input * 4,
})

/** A stream from `start` lasting `durationMs`, reported every 30 s while open, then (unless `final` is false) its final event. */
function stream(install: string, start: number, durationMs: number, input: number, completion: number, final = true): GatewayEventInput[] {
  const id = `s-${install}-${n++}`
  const out: GatewayEventInput[] = []
  for (let at = 30_000; at < durationMs; at += 30_000) {
    const soFar = Math.floor((completion * at) / durationMs)
    // cost_micros and end_reason on a report are not part of its contract: sent anyway, they must be dropped.
    out.push({
      ...context(install),
      ...usage(input, soFar),
      type: 'stream_progress',
      event_id: `p-${n++}`,
      ts: start + at,
      stream_id: id,
      transport: 'websocket',
      duration_ms: at,
      ttft_ms: 700,
      cost_micros: 9_999_999,
      end_reason: 'completed',
    } as GatewayEventInput)
  }
  if (final) {
    out.push({
      ...context(install),
      ...usage(input, completion),
      type: 'stream',
      event_id: `e-${n++}`,
      ts: start + durationMs,
      stream_id: id,
      transport: 'websocket',
      duration_ms: durationMs,
      ttft_ms: 700,
      end_reason: 'client_disconnect',
    })
  }
  return out
}

function corpus(): GatewayEventInput[] {
  const out: GatewayEventInput[] = []
  for (let i = 0; i < 4; i++) {
    const install = `i-${i}`
    for (let m = 0; m < 12; m++) {
      out.push({
        ...context(install),
        ...usage(800 + 100 * i, 200),
        type: 'llm_request',
        event_id: `r-${n++}`,
        ts: t0 + m * MIN + 5_000 * i,
        outcome: 'served',
        latency_ms: 1500,
        ...(m % 3 === 0 ? { cost_micros: 777 } : {}),
      })
      out.push({ ...context(install), type: 'attestation', event_id: `a-${n++}`, ts: t0 + m * MIN + 1_000, verdict: 'accepted', reasons: [] })
    }
    out.push(...stream(install, t0 + 2 * MIN + 1_000 * i, 9_000, 900, 300)) // short: no reports
    out.push(...stream(install, t0 + 3 * MIN, 4 * MIN + 10_000 * i, 1_200, 40)) // a zombie-like stream across minutes
  }
  // Still open: only reports, the final event has not come yet.
  out.push(...stream('i-open', t0 + MIN, 9 * MIN, 2_000, 10, false))
  return out
}

type Num = Record<string, number>
const num = (r: Record<string, unknown>): Num => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))
/** Rows keyed by their text columns, numbers as numbers; rows whose figures are all 0 dropped (a report's minute with no call). */
function keyed(list: Record<string, unknown>[], keys: string[]): Record<string, Num> {
  return Object.fromEntries(
    list
      .map((r) => [keys.map((k) => String(r[k])).join('@'), num(Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k))))] as const)
      .filter(([, r]) => Object.values(r).some((v) => v !== 0)),
  )
}

describe('stream_progress', () => {
  it('is stored uncosted and changes no rollup figure: cost, requests, tokens and stream time equal those of the calls alone', async () => {
    const events = corpus()
    const progress = events.filter((e) => e.type === 'stream_progress').length
    expect(progress).toBeGreaterThan(20)
    const loaded = await eventLoader(store).load(events)
    expect(loaded).toEqual({ rows: events.length, deadLetters: 0 })
    const db = store.database

    const [stored] = await rows<Record<string, unknown>>(
      store,
      `
      SELECT count() AS n, sum(cost_micros) AS cost, countIf(cost_source = 'none') AS uncosted, countIf(end_reason != '') AS ended
      FROM ${db}.events WHERE type = 'stream_progress'`,
    )
    expect(num(stored)).toEqual({ n: progress, cost: 0, uncosted: progress, ended: 0 })

    const calls = `type IN ('llm_request', 'stream')`
    const usageRollup = await rows(
      store,
      `
      SELECT toUnixTimestamp(minute) AS minute, sum(requests) AS requests, sum(streams) AS streams, sum(served) AS served,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros,
        sum(stream_ms) AS stream_ms, max(max_context_tokens) AS max_context_tokens
      FROM ${db}.usage_minute GROUP BY minute`,
    )
    const usageRaw = await rows(
      store,
      `
      SELECT toUnixTimestamp(toStartOfMinute(ts)) AS minute, countIf(${calls}) AS requests, countIf(type = 'stream') AS streams,
        countIf(type = 'llm_request' AND outcome = 'served' OR type = 'stream' AND end_reason IN ('completed', 'client_disconnect')) AS served,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros,
        sum(duration_ms) AS stream_ms, max(context_tokens) AS max_context_tokens
      FROM ${db}.events WHERE ${calls} GROUP BY minute`,
    )
    expect(keyed(usageRollup, ['minute'])).toEqual(keyed(usageRaw, ['minute']))

    const installRollup = await rows(
      store,
      `
      SELECT toUnixTimestamp(minute) AS minute, install_id, sum(requests) AS requests, sum(streams) AS streams,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros,
        sum(stream_ms) AS stream_ms, max(max_context_tokens) AS max_context, max(max_completion_tokens) AS max_completion,
        max(max_stream_ms) AS max_stream_ms
      FROM ${db}.install_minute GROUP BY minute, install_id`,
    )
    const installRaw = await rows(
      store,
      `
      SELECT toUnixTimestamp(toStartOfMinute(ts)) AS minute, install_id, count() AS requests, countIf(type = 'stream') AS streams,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros,
        sum(duration_ms) AS stream_ms, max(context_tokens) AS max_context, max(${db}.events.completion_tokens) AS max_completion,
        max(duration_ms) AS max_stream_ms
      FROM ${db}.events WHERE ${calls} GROUP BY minute, install_id`,
    )
    expect(keyed(installRollup, ['minute', 'install_id'])).toEqual(keyed(installRaw, ['minute', 'install_id']))

    const profiles = await rows(
      store,
      `
      SELECT install_id, sum(events) AS events, sum(cost_micros) AS cost_micros, toUnixTimestamp64Milli(max(last_seen)) AS last_seen
      FROM ${db}.install_profile GROUP BY install_id ORDER BY install_id`,
    )
    const profileRaw = await rows(
      store,
      `
      SELECT install_id, countIf(type != 'stream_progress') AS events, sum(cost_micros) AS cost_micros,
        toUnixTimestamp64Milli(max(ts)) AS last_seen
      FROM ${db}.events GROUP BY install_id ORDER BY install_id`,
    )
    const profileKeys = (list: Record<string, unknown>[]) => Object.fromEntries(list.map((r) => [r.install_id, num({ ...r, install_id: 0 })]))
    expect(profileKeys(profiles)).toEqual(profileKeys(profileRaw))
    // The open stream's install is seen (at its last report) but has no events or cost yet.
    expect(profileKeys(profiles)['i-open']).toMatchObject({ events: 0, cost_micros: 0 })

    // The install page's timeline reads raw events and must agree with the rollup.
    const range = resolveRange({ range: 'custom', from: t0 - 10 * MIN, to: t0 + 20 * MIN })
    const timeline = await installTimeline(store, range, 'i-1')
    const [raw] = await rows(
      store,
      `
      SELECT sum(prompt_tokens + completion_tokens) AS tokens, sum(cost_micros) AS cost, countIf(${calls}) AS requests
      FROM ${db}.events WHERE install_id = 'i-1' AND ${calls}`,
    )
    const sum = (k: 'tokens' | 'cost_micros' | 'requests') => timeline.points.reduce((s, p) => s + p[k], 0)
    expect({ tokens: sum('tokens'), cost: sum('cost_micros'), requests: sum('requests') }).toEqual(num(raw))
  })

  it('marks an install with an open stream as active in the minutes it reports', async () => {
    const db = store.database
    const [r] = await rows(
      store,
      `
      SELECT uniqMerge(installs) AS installs, sum(requests) AS requests FROM ${db}.usage_minute
      WHERE minute = toDateTime({m:UInt32}) AND app_version = '2.0.0'`,
      { m: (t0 + 9 * MIN) / 1000 },
    )
    // Minute 9: the four installs' requests, plus i-open, which only reported its stream.
    expect(num(r)).toEqual({ installs: 5, requests: 4 })
  })
})
