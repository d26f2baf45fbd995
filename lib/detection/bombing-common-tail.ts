import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { BASELINE_HOURS, BASELINE_STEP_MS, readBaselines, type ContextBaseline } from './bombing-baselines'
import { KeptStates } from './kept-states'
import { num, toSec } from './query'
import { ALERT_SCORE, severityFor, type DetectionSettings } from './settings'
import { featureTailSql, installMinuteMaxSql } from './sql/feature-tail'
import { binomialLogTail, zFromLogTail } from './stats'
import type { PromptBombingRow } from './types'

/**
 * The window test in a feature whose users paste long documents. The window test scores an install's mean request
 * size against the spread of installs' means, a log-normal band fitted from their median and MAD; one 40x request
 * among five ordinary ones makes a mean of 9x, far outside it. Where such requests are rare that is right; where a
 * feature's honest users send them now and then (a document feature, a chat people paste reports into) the band's
 * null is wrong: the per-request distribution has a heavy upper tail the median and MAD do not see. The held-out
 * look-alike (1.5 % of chat requests 20-60x the median, all along) raised 18 false per-install alerts.
 *
 * So the feature's own tail is measured: over the baseline span of the sequential test (6 hours ending 30-35 min
 * ago), its requests N and the install-minutes B whose largest context reached the line L = TAIL_LINE_RATIO x its
 * baseline median. Where B ≥ TAIL_MIN_BASE (the tail is part of the feature, not a one-off) each request of an
 * honest install is over the line with probability p = (B + ½)/(N + 1). A window finding over the alert line whose
 * excess those requests carry (the install's other requests average under REST_RATIO x the median) is judged by
 * their count instead: k over-line minutes among its n requests, P(Binomial(n, p) ≥ k). Under the alert z it is
 * held under the alert line, with the reason. Null: an honest install's requests are over the line independently,
 * at the feature's baseline rate.
 *
 * A feature with fewer over-line minutes in its baseline (every feature of the ordinary simulator traffic: 16x
 * the median is 4.6σ at σ 0.6) is judged as before. Blind spots: a bomber in such a feature sending a few huge
 * requests (as many as its users paste) among ordinary ones; two over-line requests in one minute count once
 * (the rollup keeps the largest), so k can be low by that; open streams are not in install_minute.
 */
export const TAIL_LINE_RATIO = 16
export const TAIL_MIN_BASE = 3
export const REST_RATIO = 3

export interface FeatureTail {
  requests: number
  over: number
  line: number
}

export interface MinuteMax {
  tenant_id: string
  feature: string
  install_id: string
  requests: number
  prompt: number
  max_context: number
}

const keyOf = (r: { tenant_id: string; feature: string; install_id?: string }) =>
  `${r.tenant_id}\u0000${r.feature}${r.install_id === undefined ? '' : `\u0000${r.install_id}`}`

/** Pure: each window finding over the alert line carried by over-line requests of a feature where they are common, re-judged by their count. */
export function spareCommonTail(
  rows: PromptBombingRow[],
  tails: Map<string, FeatureTail>,
  baselines: Map<string, ContextBaseline>,
  minutes: MinuteMax[],
  zAlert: number,
): PromptBombingRow[] {
  const byInstall = new Map<string, MinuteMax[]>()
  for (const m of minutes) byInstall.set(keyOf(m), [...(byInstall.get(keyOf(m)) ?? []), m])
  for (const row of rows) {
    if (row.score < ALERT_SCORE || row.group) continue
    const tail = tails.get(keyOf({ tenant_id: row.tenant_id, feature: row.feature }))
    const b = baselines.get(keyOf({ tenant_id: row.tenant_id, feature: row.feature }))
    const mins = byInstall.get(keyOf(row))
    if (!tail || !b || !mins || tail.over < TAIL_MIN_BASE) continue
    const over = mins.filter((m) => m.max_context >= tail.line)
    if (!over.length) continue
    const n = mins.reduce((a, m) => a + m.requests, 0)
    const prompt = mins.reduce((a, m) => a + m.prompt, 0)
    const k = over.length
    const rest = n > k ? (prompt - over.reduce((a, m) => a + m.max_context, 0)) / (n - k) : 0
    if (rest >= REST_RATIO * b.median) continue
    const p = (tail.over + 0.5) / (tail.requests + 1)
    const z = zFromLogTail(binomialLogTail(k, n, p))
    if (z >= zAlert) continue
    row.score = ALERT_SCORE - 1
    row.severity = severityFor(row.score)
    row.reasons.unshift(
      `${k} of its ${n} requests over ${TAIL_LINE_RATIO}x the feature's median (${Math.round(tail.line).toLocaleString('en-US')} tokens), the rest averaging ${(rest / Math.max(1, b.median)).toFixed(1)}x: this feature's users send such requests (${tail.over} of ${tail.requests.toLocaleString('en-US')} requests over the last ${BASELINE_HOURS} h), so ${k} of ${n} is not unusual (z ${z.toFixed(1)})`,
    )
  }
  return rows
}

const tailCache = new KeptStates<{ end: number; tails: Map<string, FeatureTail>; read: Set<string> }>()

/**
 * The tails of the features `wanted` ('tenant\u0000feature' keys) over the sequential baseline's span, each read once
 * per BASELINE_STEP_MS like the baselines. Only the features a run asks about are read: a feature's tail does not
 * depend on the others', and the 6-hour scan grouped by install-minute cost 2.8 s of engine CPU at 5,000 ev/s when
 * every feature was read (bench/detection-phases.ts).
 */
export async function readTails(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  from: number,
  tenant: string,
  wanted: Iterable<string>,
): Promise<Map<string, FeatureTail>> {
  const end = Math.floor(from / BASELINE_STEP_MS) * BASELINE_STEP_MS
  const key = `${store.database}\u0000${tenant}`
  const hit = tailCache.get(key, end)
  const kept = hit?.end === end ? hit : { end, tails: new Map<string, FeatureTail>(), read: new Set<string>() }
  const keys = [...new Set(wanted)].filter((k) => baselines.has(k) && !kept.read.has(k))
  if (keys.length) {
    const rows = await selectRows<Record<string, unknown>>(store, featureTailSql(store.database), {
      from: toSec(end - BASELINE_HOURS * 3_600_000),
      to: toSec(end),
      tenant,
      keys: keys.map((k) => k.replace('\u0000', '|')),
      lines: keys.map((k) => TAIL_LINE_RATIO * baselines.get(k)!.median),
    })
    for (const r of rows) {
      const k = `${r.tenant_id}\u0000${r.feature}`
      kept.tails.set(k, { requests: num(r.requests), over: num(r.over), line: TAIL_LINE_RATIO * baselines.get(k)!.median })
    }
    for (const k of keys) kept.read.add(k)
  }
  tailCache.set(key, kept, end)
  return kept.tails
}

/** The detector's step: only findings over the alert line (a few a run) have their window minutes read. */
export async function spareCommonTailFindings(
  store: Store,
  s: Pick<DetectionSettings, 'zAlert' | 'windowMinutes'>,
  rows: PromptBombingRow[],
  now: number,
  baselineFrom: number,
  tenant = '',
): Promise<PromptBombingRow[]> {
  const raised = rows.filter((r) => r.score >= ALERT_SCORE && !r.group)
  if (!raised.length) return rows
  const baselines = await readBaselines(store, baselineFrom, tenant, true)
  const tails = await readTails(
    store,
    baselines,
    baselineFrom,
    tenant,
    raised.map((r) => keyOf({ tenant_id: r.tenant_id, feature: r.feature })),
  )
  if (![...tails.values()].some((t) => t.over >= TAIL_MIN_BASE)) return rows
  const minutes = (
    await selectRows<Record<string, unknown>>(store, installMinuteMaxSql(store.database), {
      from: toSec(now - s.windowMinutes * 60_000),
      to: toSec(now) + 1,
      tenant,
      only: [...new Set(raised.map((r) => r.install_id))],
    })
  ).map((r) => ({
    tenant_id: String(r.tenant_id),
    feature: String(r.feature),
    install_id: String(r.install_id),
    requests: num(r.requests),
    prompt: num(r.prompt),
    max_context: num(r.max_context),
  }))
  return spareCommonTail(rows, tails, baselines, minutes, s.zAlert)
}
