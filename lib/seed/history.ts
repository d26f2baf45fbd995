import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { Config } from '../config'
import { GatewaySimulator } from '../simulator'
import { populationInstallIdSql, tenantSalt } from '../simulator/install-ids'
import { profileTraffic, type GroupProfile } from './profile'

/**
 * A month of history on first start, written straight into the usage
 * rollup (usage_minute, which cascades into usage_hour and usage_day) by
 * one INSERT … SELECT from numbers() inside ClickHouse.
 *
 * Why the rollup and not raw events: the simulated gateway's default 200
 * events/s is 17 M events a day, half a billion for a month, which no
 * 2-core machine writes in the two minutes first start may take. A rollup
 * row per 5 minutes and dimension group holds the same sums, so the 7-, 30-
 * and 90-day views, the forecast and the budgets see spend at the live
 * simulator's true scale and the seed meets live traffic without a step.
 * What the seed does not fill: per-install tables (top spenders, farms and
 * the abuse tax over the seeded days come from live traffic only).
 *
 * Shape of the month, on top of the live simulator's own diurnal curve:
 * - weekends at 70 % of weekdays;
 * - a release RELEASE_DAYS_AGO: the first tenant's newest app version
 *   appears and re-sends history, so its cost per request is 1.6×;
 * - an attack week (ATTACK_FROM..ATTACK_TO days ago): emulator-farm traffic
 *   on the second tenant's first feature, +60 % requests with mostly
 *   rejected attestations and policy denials.
 */
export const SLOT_S = 300
/** Minutes of simulated traffic measured for the seed's rates and mix. */
const PROFILE_MINUTES = 5
export const RELEASE_DAYS_AGO = 12
export const ATTACK_FROM_DAYS_AGO = 21
export const ATTACK_TO_DAYS_AGO = 14

export interface SeedOptions {
  days: number
  /** The seed ends here (where the live simulator's own backfill begins), aligned down to a slot. */
  endMs: number
  seed: number
  installs: number
  /** Seconds per seeded row (default SLOT_S); tests use an hour to stay fast. */
  slotS?: number
  /** Skip the check that the store holds no usage yet (the caller knows it is a first start). */
  force?: boolean
  ratePerSec: number
  log?: (line: string) => void
}

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
const f = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 1e6) / 1e6) : '0')

/**
 * Tuple fields: 1 tenant, 2 feature, 3 model, 4 app_version, 5 platform, 6 requests/s, 7 stream share,
 * 8 served share, 9 error share, 10 prompt/req, 11 completion/req, 12 cost/req, 13 stream ms/req,
 * 14 accepted/s, 15 rejected/s, 16 denied/s, 17 installs per slot, 18 tenant installs, 19 max context,
 * 20 released version (1: absent before the release), 21 before the release, extra weight carried
 * for it by the previous version, 22 attack target, 23 the tenant's install-id salt.
 */
function groupsLiteral(groups: SeedGroup[]): string {
  return `[${groups
    .map(
      (g) =>
        `(${[g.tenant_id, g.feature, g.model, g.app_version, g.platform].map(q).join(',')},${[
          g.requestsPerS,
          g.streamShare,
          g.servedShare,
          g.errorShare,
          g.promptPerReq,
          g.completionPerReq,
          g.costPerReq,
          g.streamMsPerReq,
          g.acceptedPerS,
          g.rejectedPerS,
          g.deniedPerS,
          g.installsPerSlot,
          g.population,
          g.maxContext,
          g.released ? 1 : 0,
          g.carries,
          g.attacked ? 1 : 0,
          tenantSalt(g.tenant_id),
        ]
          .map(f)
          .join(',')})`,
    )
    .join(',')}]`
}

interface SeedGroup extends GroupProfile {
  released: boolean
  carries: number
  attacked: boolean
}

/** The release and attack roles of each group (see the file comment). */
function withStory(groups: GroupProfile[]): SeedGroup[] {
  const tenants = [...new Set(groups.map((g) => g.tenant_id))].sort()
  const first = tenants[0]
  const second = tenants[1] ?? first
  const versions = [...new Set(groups.filter((g) => g.tenant_id === first).map((g) => g.app_version))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  )
  const newest = versions.at(-1)
  const previous = versions.at(-2)
  const attackFeature = groups
    .filter((g) => g.tenant_id === second && g.requestsPerS > 0)
    .map((g) => g.feature)
    .sort()[0]
  const rate = (v: string | undefined, platform: string, feature: string, model: string) =>
    groups.find((g) => g.tenant_id === first && g.app_version === v && g.platform === platform && g.feature === feature && g.model === model)
  return groups.map((g) => {
    const released = g.tenant_id === first && g.app_version === newest && versions.length > 1
    let carries = 0
    if (g.tenant_id === first && g.app_version === previous) {
      const n = rate(newest, g.platform, g.feature, g.model)
      const mine = g.requestsPerS + g.acceptedPerS + g.rejectedPerS
      if (n && mine > 0) carries = (n.requestsPerS + n.acceptedPerS + n.rejectedPerS) / mine
    }
    return { ...g, released, carries, attacked: g.tenant_id === second && g.feature === attackFeature }
  })
}

/**
 * The install ids of one hour of a group (the seed's rows carry them on the hour's first slot): installs of the
 * live simulator's population (g.18 is the tenant's size there, install-ids.ts gives the k-th its live id), so
 * seeded and live days count one population.
 */
const seedIds = (perHour: number) => `arrayMap(i -> ${populationInstallIdSql(
  `cityHash64(intDiv(slot, ${perHour}), g.2, g.4, g.5, i) % toUInt64(greatest(g.18, 1))`,
  'g.23',
)},
          range(toUInt32(least(g.18, if(requests + accepted + rejected = 0, 0, round(g.17 * 3 * ${Math.min(perHour, 12) / 12} * shape * weight * if(attacked, 1.5, 1)) + 1)))))`

/** The seed's slots × groups with their traffic (see seedSql), shared by the usage rows and the install sketches. */
function seedRows(groups: SeedGroup[], daySlots: number[], slotS: number): string {
  return `(
      SELECT g, n.number + {slotBase:UInt64} AS slot,
        toDateTime({from:UInt32} + slot * ${slotS}, 'UTC') AS minute,
        minute >= toDateTime({release:UInt32}, 'UTC') AS released,
        if(g.20 = 1 AND NOT released, 0, 1) + if(released, 0, g.21) AS weight,
        if(released AND g.20 = 1, 1.6, 1) AS cost_factor,
        ${`[${daySlots.map(f).join(',')}]`}[1 + intDiv(toUInt32(minute) % 86400, ${slotS})] * if(toDayOfWeek(minute) >= 6, 0.7, 1.0) AS shape,
        g.22 = 1 AND minute >= toDateTime({attackFrom:UInt32}, 'UTC') AND minute < toDateTime({attackTo:UInt32}, 'UTC') AS attacked,
        0.9 + (cityHash64(slot, g.1, g.2, g.3, g.4, g.5) % 2001) / 10000 AS noise,
        toUInt64(round(g.6 * ${slotS} * shape * noise * weight * if(attacked, 1.6, 1))) AS requests,
        toUInt64(round(g.14 * ${slotS} * shape * noise * weight * if(attacked, 0.4, 1))) AS accepted,
        toUInt64(round(g.15 * ${slotS} * shape * noise * weight + if(attacked, requests * 0.3, 0))) AS rejected,
        toUInt64(round(g.16 * ${slotS} * shape * weight + if(attacked, requests * 0.1, 0))) AS denied
      FROM numbers({slots:UInt64}) AS n ARRAY JOIN ${groupsLiteral(groups)} AS g
    )`
}

/**
 * One row per 5-minute slot and group. `shape` is the live simulator's own
 * diurnal curve (by slot of the UTC day) times the weekly factor; `noise` is
 * ±10 % per row, from a hash, so reruns write the same month.
 */
function seedSql(db: string, groups: SeedGroup[], daySlots: number[], slotS: number): string {
  const perHour = Math.max(1, 3600 / slotS)
  return `
    INSERT INTO ${db}.usage_minute (minute, tenant_id, feature, model, app_version, platform, requests, streams, served, upstream_errors,
      cut_by_policy, prompt_tokens, completion_tokens, cost_micros, stream_ms, attest_accepted, attest_rejected, policy_denials,
      max_context_tokens, installs)
    SELECT minute, g.1, g.2, g.3, g.4, g.5, requests, toUInt64(round(requests * g.7)), toUInt64(round(requests * g.8)),
      toUInt64(round(requests * g.9)), 0, toUInt64(round(requests * g.10 * cost_factor)), toUInt64(round(requests * g.11)),
      toUInt64(round(requests * g.12 * cost_factor)), toUInt64(round(requests * g.13)), accepted, rejected, denied,
      toUInt32(g.19 * cost_factor),
      -- One install sketch per hour and group, on the hour's first row (hashing ids for every row was most of the seed's time):
      -- hourly and daily active installs are right; a minute chart of the seeded days shows them on the hour.
      if(slot % ${perHour} = 0,
        arrayReduce('uniqState', ${seedIds(perHour)}),
        arrayReduce('uniqState', emptyArrayString()))
    FROM ${seedRows(groups, daySlots, slotS)}
    WHERE requests + accepted + rejected + denied > 0`
}

/** Hourly install sketches for the seeded hours, from what the seed wrote (installs_hour is fed from events only). */
const installsHourSql = (db: string) => `
    INSERT INTO ${db}.installs_hour (hour, tenant_id, installs)
    SELECT toStartOfHour(minute) AS hour, tenant_id, uniqMergeState(installs) FROM ${db}.usage_minute
    WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    GROUP BY hour, tenant_id`

/**
 * The same install ids into the per-dimension sketches (migration 0060), which
 * the cost breakdown and KPIs read active installs from: one row per hour, tenant
 * and dimension value, cascading into hours and days.
 */
function installSketchSql(db: string, groups: SeedGroup[], daySlots: number[], slotS: number): string {
  const perHour = Math.max(1, 3600 / slotS)
  return `
    INSERT INTO ${db}.installs_dim_minute (minute, tenant_id, dim, key, installs)
    SELECT minute, g.1 AS tenant, d.1 AS dim, d.2 AS key, uniqCombinedState(14)(id)
    FROM ${seedRows(groups, daySlots, slotS)}
    ARRAY JOIN ${seedIds(perHour)} AS id
    ARRAY JOIN [('', ''), ('feature', g.2), ('model', g.3), ('app_version', g.4), ('platform', g.5)] AS d
    WHERE slot % ${perHour} = 0 AND requests + accepted + rejected + denied > 0
    GROUP BY minute, tenant, dim, key`
}

/** True when the store already holds spend (a restart, or a store filled some other way): never seed twice. */
async function hasUsage(store: Store): Promise<boolean> {
  const [row] = await selectRows<{ n: number }>(store, `SELECT count() AS n FROM (SELECT 1 FROM ${store.database}.usage_minute LIMIT 1)`)
  return Number(row?.n ?? 0) > 0
}

/** Writes `days` of history ending at `endMs` into an empty store; returns the rows' time span, or null when it did nothing. */
export async function seedHistory(store: Store, o: SeedOptions): Promise<{ fromMs: number; toMs: number; ms: number } | null> {
  if (o.days <= 0 || (!o.force && (await hasUsage(store)))) return null
  const slotS = o.slotS ?? SLOT_S
  const t0 = Date.now()
  const toMs = Math.floor(o.endMs / (slotS * 1000)) * slotS * 1000
  const fromMs = toMs - o.days * 86_400_000
  // The same population and traffic model as the live simulator (its seed, installs and rate), without attacks.
  const sim = new GatewaySimulator({ seed: o.seed, installs: o.installs, ratePerSec: o.ratePerSec, scenarios: [], startMs: toMs - PROFILE_MINUTES * 60_000 })
  const tenantSizes = new Map<string, number>()
  for (const i of sim.population.installs) tenantSizes.set(i.tenant.id, (tenantSizes.get(i.tenant.id) ?? 0) + 1)
  const groups = withStory(
    profileTraffic(sim, o.ratePerSec, toMs - PROFILE_MINUTES * 60_000, PROFILE_MINUTES).map((g) => ({
      ...g,
      population: tenantSizes.get(g.tenant_id) ?? g.population,
    })),
  )
  const dayStart = Math.floor(toMs / 86_400_000) * 86_400_000
  const daySlots = Array.from({ length: Math.ceil(86_400 / slotS) }, (_, i) => sim.rateAt(dayStart + i * slotS * 1000 + slotS * 500) / o.ratePerSec)
  const DAY = 86_400_000
  const params = {
    from: fromMs / 1000,
    to: toMs / 1000,
    slots: (toMs - fromMs) / (slotS * 1000),
    release: Math.floor((toMs - RELEASE_DAYS_AGO * DAY) / 1000),
    attackFrom: Math.floor((toMs - ATTACK_FROM_DAYS_AGO * DAY) / 1000),
    attackTo: Math.floor((toMs - ATTACK_TO_DAYS_AGO * DAY) / 1000),
  }
  // One day per statement: the embedded engine runs one statement at a time, and a month in one statement kept
  // every other read of the app (the policy snapshot an enforcer waits for among them) queued for minutes.
  // Slots are numbered over the whole month (slotBase), so the rows are the same as one statement's.
  const slotsPerDay = DAY / (slotS * 1000)
  for (let dayFromMs = fromMs; dayFromMs < toMs; dayFromMs += DAY) {
    const dayToMs = Math.min(toMs, dayFromMs + DAY)
    const chunk = { ...params, slotBase: (dayFromMs - fromMs) / (slotS * 1000), slots: Math.min(slotsPerDay, (dayToMs - dayFromMs) / (slotS * 1000)) }
    await store.client.command({ query: seedSql(store.database, groups, daySlots, slotS), query_params: chunk, clickhouse_settings: { insert_deduplicate: 0 } })
    await store.client.command({ query: installsHourSql(store.database), query_params: { ...chunk, from: dayFromMs / 1000, to: dayToMs / 1000 } })
    await store.client.command({
      query: installSketchSql(store.database, groups, daySlots, slotS),
      query_params: chunk,
      clickhouse_settings: { insert_deduplicate: 0 },
    })
  }
  const ms = Date.now() - t0
  o.log?.(`[seed] ${o.days} days of history (${groups.length} dimension groups, ${slotS / 60}-minute rows) in ${(ms / 1000).toFixed(1)} s`)
  return { fromMs, toMs, ms }
}

/**
 * Called by the ingest on a store without events, before the simulator's
 * backfill starts writing at `endMs`: seeds SEED_HISTORY_DAYS (kept inside
 * the retention, or the TTL would drop the oldest day at once) and logs a
 * failure instead of stopping the ingest (the app works without history).
 */
export async function seedOnFirstStart(store: Store, config: Config, endMs: number, log: (line: string) => void): Promise<void> {
  const days = Math.min(config.SEED_HISTORY_DAYS, config.RETENTION_DAYS - 1)
  if (days <= 0) return
  log(`[seed] writing ${days} days of spend history in the background`)
  try {
    await seedHistory(store, { days, endMs, seed: config.SIM_SEED, installs: config.SIM_INSTALLS, ratePerSec: config.SIM_RATE, force: true, log })
  } catch (err) {
    log(`[seed] failed, continuing without history: ${err instanceof Error ? err.message : err}`)
  }
}
