import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { KeptStates } from './kept-states'
import { num, toSec } from './query'
import type { DetectionSettings } from './settings'
import { RATE_BIN_RATIO, RATE_FLOOR, streamFeatureRatesSql } from './sql/stream-feature-rates'
import { answerLines, type AnswerLine } from './stream-answer-line'

/**
 * What a zombie stream is, declared once (every count of zombies, open or
 * closed, in the query or the kept minutes, goes through `isZombie`): a
 * stream open at least `zombieMinMs` whose output rate is under its line.
 * The line is the absolute `zombieMaxTokensPerSec` or, where higher, a
 * fraction (`zombieFeatureRateFraction`) of the slow decile of its feature's
 * own streaming rate (stream-feature-rates.ts). An absolute line alone is a
 * line an attacker reads and sits above (red team round 3: 1.0-1.4 tokens a
 * second against 1); a feature that streams at 30-80 tokens a second has a
 * slow decile near 30, so a stream at a tenth of that is idling, not
 * answering. A feature whose sessions are long and slow by nature (a voice
 * session) has a low slow decile: its line stays at the absolute one.
 */
export type ZombieSettings = Pick<DetectionSettings, 'zombieMinMs' | 'zombieMaxTokensPerSec' | 'zombieFeatureRateFraction'>

/** Installs that streamed in a feature in the lookback before its own rate draws the line; fewer: the absolute line. */
export const ZOMBIE_RATE_MIN_INSTALLS = 10
/** How far back the feature's closed streams are read: an hour, ending at the last whole step. */
export const ZOMBIE_RATE_LOOKBACK_MS = 60 * 60_000
/** The lookback moves in steps, so runs within a step share one read (the rates move slowly) and give the same lines. */
export const ZOMBIE_RATE_STEP_MS = 5 * 60_000

export interface FeatureStreamRate {
  tenant_id: string
  feature: string
  installs: number
  install_minutes: number
  p10_tokens_per_sec: number
}

export interface ZombieLine {
  tokensPerSec: number
  /** Why the line is where it is, for a finding's reason. */
  basis: string
}

/** The line one feature's streams are judged against. */
export function zombieLineOf(rate: FeatureStreamRate | undefined, s: ZombieSettings): ZombieLine {
  const abs = s.zombieMaxTokensPerSec
  const absolute = `${fmt(abs)} tok/s`
  if (!rate || s.zombieFeatureRateFraction <= 0) return { tokensPerSec: abs, basis: absolute }
  if (rate.installs < ZOMBIE_RATE_MIN_INSTALLS)
    return { tokensPerSec: abs, basis: `${absolute}: ${rate.feature} streamed by ${rate.installs} installs, too few for its own rate` }
  const own = s.zombieFeatureRateFraction * rate.p10_tokens_per_sec
  if (own <= abs) return { tokensPerSec: abs, basis: `${absolute} (${rate.feature}'s slow decile ${fmt(rate.p10_tokens_per_sec)} tok/s)` }
  return {
    tokensPerSec: own,
    basis: `${fmt(own)} tok/s, ${fmt(s.zombieFeatureRateFraction)} × ${rate.feature}'s slow decile (${fmt(rate.p10_tokens_per_sec)} tok/s over ${rate.install_minutes} install-minutes)`,
  }
}

/**
 * A zombie (stream-zombie.ts: open for minutes at a small fraction of its
 * feature's own streaming rate, or under the absolute line) is judged per
 * stream, so it needs no population of installs: one can be an app bug, two
 * or more from one install in a window is a pattern, and each further one
 * adds evidence.
 */
export function zombieZ(zombies: number, zAlert: number): number {
  if (zombies <= 0) return 0
  return zombies === 1 ? zAlert * 0.6 : zAlert * Math.sqrt(zombies / 2)
}

/** The one definition: open at least zombieMinMs at under `tokensPerSec`. */
export function isZombie(durationMs: number, completionTokens: number, tokensPerSec: number, s: Pick<DetectionSettings, 'zombieMinMs'>): boolean {
  return durationMs >= s.zombieMinMs && completionTokens * 1000 < tokensPerSec * durationMs
}

/**
 * Every tenant's and feature's line. A closed stream is stored without its
 * feature (stream_end_minute), so it is judged against its tenant's lowest
 * feature line: never stricter than its own feature's, the absolute one in a
 * tenant with a slow-by-nature or small streaming feature. Streams still open
 * carry their feature and get its own line.
 */
export class ZombieLines {
  private readonly byFeature = new Map<string, ZombieLine>()
  private readonly byTenant = new Map<string, ZombieLine>()

  constructor(
    rates: FeatureStreamRate[],
    private readonly s: ZombieSettings,
    /** Per tenant\0feature, the longest answers it gives (stream-answer-line.ts). */
    private readonly answers: ReadonlyMap<string, AnswerLine> = new Map(),
  ) {
    for (const r of rates) {
      const line = zombieLineOf(r, s)
      this.byFeature.set(`${r.tenant_id}\u0000${r.feature}`, line)
      const low = this.byTenant.get(r.tenant_id)
      if (!low || line.tokensPerSec < low.tokensPerSec) this.byTenant.set(r.tenant_id, line)
    }
  }

  feature(tenant: string, feature: string): ZombieLine {
    return this.byFeature.get(`${tenant}\u0000${feature}`) ?? zombieLineOf(undefined, this.s)
  }

  answerLine(tenant: string, feature: string): AnswerLine | undefined {
    return this.answers.get(`${tenant}\u0000${feature}`)
  }

  tenant(tenant: string): ZombieLine {
    return this.byTenant.get(tenant) ?? zombieLineOf(undefined, this.s)
  }

  /** For stream-installs.ts: the tenants whose closed-stream line is above the absolute one, and their lines. */
  sqlParams(): { zombie_ms: number; zombie_tps: number; line_tenants: string[]; line_tps: number[] } {
    const above = [...this.byTenant].filter(([, l]) => l.tokensPerSec > this.s.zombieMaxTokensPerSec)
    return {
      zombie_ms: this.s.zombieMinMs,
      zombie_tps: this.s.zombieMaxTokensPerSec,
      line_tenants: above.map(([t]) => t),
      line_tps: above.map(([, l]) => l.tokensPerSec),
    }
  }
}

/** The absolute line everywhere: no rates read (tests, callers without a store). */
export function absoluteZombieLines(s: ZombieSettings): ZombieLines {
  return new ZombieLines([], s)
}

/** One feature's closed streams in one 5-minute step (sql/stream-feature-rates.ts). */
export interface StepRates {
  tenant_id: string
  feature: string
  installs: string[]
  install_minutes: number
  bins: number[]
  counts: number[]
  answer_minutes: number
  longest: [string, number][]
}

/** The steps read so far (step start → its features), per store and tenant filter. */
const kept = new KeptStates<{ step: number; steps: Map<number, StepRates[]> }>()

/** Forgets the rates read (tests; a store that was rebuilt). */
export function resetZombieRates(): void {
  kept.clear()
}

/**
 * The lines at `now`: feature rates over the hour before now's last whole
 * step. Each 5-minute step is read once, when it closes (a stream reported
 * over 5 minutes late to a closed step is not in its rate), and the hour's
 * slow decile comes from the steps' histograms: within RATE_BIN_RATIO (2 %)
 * of the exact decile, a line a tenth of it.
 */
export async function zombieLines(store: Store, now: number, s: ZombieSettings, tenant = ''): Promise<ZombieLines> {
  if (s.zombieFeatureRateFraction <= 0) return absoluteZombieLines(s)
  const step = Math.floor(now / ZOMBIE_RATE_STEP_MS) * ZOMBIE_RATE_STEP_MS
  const from = step - ZOMBIE_RATE_LOOKBACK_MS
  const id = `${store.database}\u0000${tenant}`
  const state = kept.get(id, now) ?? { step: -1, steps: new Map<number, StepRates[]>() }
  if (state.step !== step) {
    for (const t of state.steps.keys()) if (t < from || t >= step) state.steps.delete(t)
    // The steps not held: all of them after a restart, else the one that just closed (a jump reads what it skipped).
    let readFrom = from
    while (readFrom < step && state.steps.has(readFrom)) readFrom += ZOMBIE_RATE_STEP_MS
    if (readFrom < step) {
      const rows = await selectRows<Record<string, unknown>>(store, streamFeatureRatesSql(store.database), { from: toSec(readFrom), to: toSec(step), tenant })
      for (let t = readFrom; t < step; t += ZOMBIE_RATE_STEP_MS) state.steps.set(t, [])
      for (const r of rows) {
        const [bins, counts] = r.hist as [number[], number[]]
        state.steps.get(num(r.step))?.push({
          tenant_id: String(r.tenant_id),
          feature: String(r.feature),
          installs: (r.some_installs as string[]).map(String),
          install_minutes: num(r.install_minutes),
          bins: bins.map(Number),
          counts: counts.map(Number),
          answer_minutes: num(r.answer_minutes),
          longest: (r.longest_answers as [unknown, unknown][]).map(([i, n]) => [String(i), num(n)]),
        })
      }
    }
    state.step = step
  }
  kept.set(id, state, now)
  return new ZombieLines(mergeSteps(state.steps.values()), s, answerLines(state.steps.values()))
}

/** The hour's rate per feature from its steps: installs (up to the count the rule needs), install-minutes and the slow decile. */
function mergeSteps(steps: Iterable<StepRates[]>): FeatureStreamRate[] {
  const byFeature = new Map<string, { tenant_id: string; feature: string; installs: Set<string>; install_minutes: number; hist: Map<number, number> }>()
  for (const list of steps)
    for (const r of list) {
      if (r.install_minutes === 0) continue
      const k = `${r.tenant_id}\u0000${r.feature}`
      const f = byFeature.get(k) ?? {
        tenant_id: r.tenant_id,
        feature: r.feature,
        installs: new Set<string>(),
        install_minutes: 0,
        hist: new Map<number, number>(),
      }
      for (const i of r.installs) if (f.installs.size <= ZOMBIE_RATE_MIN_INSTALLS) f.installs.add(i)
      f.install_minutes += r.install_minutes
      r.bins.forEach((b, j) => f.hist.set(b, (f.hist.get(b) ?? 0) + r.counts[j]))
      byFeature.set(k, f)
    }
  return [...byFeature.values()].map((f) => ({
    tenant_id: f.tenant_id,
    feature: f.feature,
    installs: f.installs.size,
    install_minutes: f.install_minutes,
    p10_tokens_per_sec: decile(f.hist, f.install_minutes),
  }))
}

/** The value at the 10th percentile of a histogram of log bins: its bin's geometric middle. */
function decile(hist: Map<number, number>, total: number): number {
  const rank = Math.floor(0.1 * Math.max(0, total - 1))
  let seen = 0
  for (const [bin, n] of [...hist].sort((a, b) => a[0] - b[0])) {
    seen += n
    if (seen > rank) return Math.max(RATE_FLOOR, RATE_BIN_RATIO ** (bin + 0.5))
  }
  return 0
}

function fmt(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '')
}
