import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { KeptStates } from './kept-states'
import { num, toSec } from './query'
import type { DetectionSettings } from './settings'
import { streamFeatureRatesSql } from './sql/stream-feature-rates'

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
    basis: `${fmt(own)} tok/s, ${fmt(s.zombieFeatureRateFraction)} × ${rate.feature}'s slow decile (${fmt(rate.p10_tokens_per_sec)} tok/s over ${rate.installs} installs)`,
  }
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

const kept = new KeptStates<{ step: number; rates: FeatureStreamRate[] }>()

/** Forgets the rates read (tests; a store that was rebuilt). */
export function resetZombieRates(): void {
  kept.clear()
}

/** The lines at `now`: feature rates over the hour before now's last whole step, read once per step. */
export async function zombieLines(store: Store, now: number, s: ZombieSettings, tenant = ''): Promise<ZombieLines> {
  if (s.zombieFeatureRateFraction <= 0) return absoluteZombieLines(s)
  const step = Math.floor(now / ZOMBIE_RATE_STEP_MS) * ZOMBIE_RATE_STEP_MS
  const id = `${store.database}\u0000${tenant}`
  const cached = kept.get(id, now)
  if (cached && cached.step === step) return new ZombieLines(cached.rates, s)
  const rows = await selectRows<Record<string, unknown>>(store, streamFeatureRatesSql(store.database), {
    from: toSec(step - ZOMBIE_RATE_LOOKBACK_MS),
    to: toSec(step),
    tenant,
  })
  const rates = rows.map((r) => ({
    tenant_id: String(r.tenant_id),
    feature: String(r.feature),
    installs: num(r.installs),
    install_minutes: num(r.install_minutes),
    p10_tokens_per_sec: num(r.p10_tokens_per_sec),
  }))
  kept.set(id, { step, rates }, now)
  return new ZombieLines(rates, s)
}

function fmt(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '')
}
