import { createHash } from 'node:crypto'
import type { Store } from '../clickhouse/client'
import { NEW_INSTALL_BURST_MINUTES, scoreGroups, type FarmInstall, type ScoredGroup } from './farm-clusters'
import { mergeGroups } from './farm-merge'
import { selectRows } from '../clickhouse/select'
import { num, selectColumns, toSec } from './query'
import { FINDING_MIN_SCORE, severityFor, type DetectionSettings } from './settings'
import { farmInstallsSql, farmProfilesSql } from './sql/farm-installs'
import { farmTimings } from './farm-timing'
import { timePhase } from './phase-cost'
import { farmRejectionsSql } from './sql/farm-rejections'
import { zToScore } from './stats'
import type { FarmCluster, FarmTrait } from './types'
import { appendTo } from './collect'
import { wokenSince } from './farm-wake'
import type { RunProfiles } from './run-profiles'

const MAX_MEMBERS = 500

/** A cluster and all of its member ids, sorted (the cluster itself carries at most MAX_MEMBERS). */
export interface ClusterWithMembers {
  cluster: FarmCluster
  memberIds: string[]
}

function clusterOf(groups: ScoredGroup[], windowStart: number, zAlert: number, burstStart: number): ClusterWithMembers {
  const byId = new Map<string, FarmInstall>()
  for (const g of groups) for (const m of g.members) byId.set(m.install_id, m)
  const members = [...byId.values()]
  const best = groups.reduce((a, b) => (b.z > a.z ? b : a))
  const size = members.length
  // Shared traits: values held by at least half of the members, counted over all members.
  const traitOf: Record<FarmTrait, (i: FarmInstall) => string> = {
    device_fingerprint: (i) => i.device_fingerprint,
    ip_prefix: (i) => i.ip_prefix,
    asn_device: (i) => `AS${i.asn} ${i.device_model} ${i.platform} ${i.os_version}`,
    device_build: (i) => `${i.device_model} ${i.platform} ${i.os_version} v${i.app_version}`,
    asn: (i) => `AS${i.asn}`,
    os_build: (i) => `${i.platform} ${i.os_version} v${i.app_version}`,
    device: (i) => `${i.device_model} ${i.platform} ${i.os_version}`,
    app_version: (i) => `${i.platform} v${i.app_version}`,
    // Not a trait the members hold: each is its own, so the group's own entry below names it.
    wake_time: (i) => i.install_id,
  }
  const shared: FarmCluster['shared_traits'] = []
  for (const trait of Object.keys(traitOf) as FarmTrait[]) {
    const counts = new Map<string, number>()
    for (const m of members) counts.set(traitOf[trait](m), (counts.get(traitOf[trait](m)) ?? 0) + 1)
    for (const [value, n] of counts) if (n >= Math.max(2, size / 2)) shared.push({ trait, value, members: n })
  }
  for (const g of groups) {
    if (!shared.some((s) => s.trait === g.trait && s.value === g.value)) shared.push({ trait: g.trait, value: g.value, members: g.members.length })
  }
  shared.sort((a, b) => b.members - a.members)
  const fresh = members.filter((m) => m.first_seen >= windowStart)
  const perMinute = new Map<number, number>()
  for (const m of fresh) perMinute.set(Math.floor(m.first_seen / 60_000), (perMinute.get(Math.floor(m.first_seen / 60_000)) ?? 0) + 1)
  const signals = {
    rejections: 0,
    synchronized: 0,
    new_installs: 0,
    shared_fingerprint: 0,
    shared_build: 0,
    new_network: 0,
    new_build: 0,
    busy_new: 0,
    co_wake: 0,
  }
  for (const g of groups) for (const k of Object.keys(signals) as (keyof typeof signals)[]) signals[k] = Math.max(signals[k], g.signals[k])
  const score = zToScore(best.z, zAlert)
  const reasons = [`${size} installs share ${best.trait.replace('_', ' ')} ${best.value}`]
  if (signals.rejections >= zAlert / 2)
    reasons.push(`attestation rejections for emulator/hooking far above the tenant rate (z ${signals.rejections.toFixed(1)})`)
  if (signals.synchronized >= zAlert / 2) reasons.push(`requests in lockstep: per-minute dispersion ${best.dispersion?.toFixed(2)} vs ~1 for independent users`)
  const woken = wokenSince(members, burstStart).length
  if (signals.new_installs >= zAlert / 2)
    reasons.push(
      woken > fresh.length / 2
        ? `${woken} of ${size} installs, seen before, became active together after a long silence (z ${signals.new_installs.toFixed(1)})`
        : `${fresh.length} of ${size} installs appeared in the window (z ${signals.new_installs.toFixed(1)})`,
    )
  if (signals.shared_build >= zAlert / 2)
    reasons.push(`most members run one device build, far more than in the rest of the tenant (z ${signals.shared_build.toFixed(1)})`)
  if (signals.new_network >= zAlert / 2) {
    const on = groups.reduce((a, b) => (b.signals.new_network > a.signals.new_network ? b : a))
    const networks = on.trait === 'asn' ? on.value.split(' + ').length : 1
    const where = networks > 1 ? `${networks} networks (ASNs)` : 'a network (ASN)'
    reasons.push(`new installs from ${where} that the tenant's established installs hardly use, spread over /24s (z ${signals.new_network.toFixed(1)})`)
  }
  if (signals.new_build >= zAlert / 2) {
    const on = groups.reduce((a, b) => (b.signals.new_build > a.signals.new_build ? b : a))
    const what = on.trait === 'app_version' ? `app build ${on.value}, older than the tenant's current one,` : `device build ${on.value}`
    reasons.push(`new installs crowd onto ${what} which the tenant's established installs hardly run (z ${signals.new_build.toFixed(1)})`)
  }
  if (signals.busy_new >= zAlert / 2) {
    const on = groups.reduce((a, b) => (b.signals.busy_new > a.signals.busy_new ? b : a))
    reasons.push(
      `${on.members.length} new installs on ${on.value} call nonstop, far more of them than the tenant's other installs do (z ${signals.busy_new.toFixed(1)})`,
    )
  }
  if (signals.co_wake >= zAlert / 2) {
    const on = groups.reduce((a, b) => (b.signals.co_wake > a.signals.co_wake ? b : a))
    reasons.push(
      `${on.members.length} new installs fall silent and come back together, again and again (${on.wakes?.join(', ') ?? ''} UTC), where people return at moments of their own (z ${signals.co_wake.toFixed(1)})`,
    )
  }
  if (signals.shared_fingerprint > 0) reasons.push('distinct installs report the same device fingerprint (cloned image)')
  const ids = members.map((m) => m.install_id).sort()
  const tenant = members[0].tenant_id
  // Named after its largest group: the trait most members share changes least as the farm grows.
  const anchor = groups.reduce((a, b) => (b.members.length > a.members.length ? b : a))
  const stableKey = `${tenant}|${anchor.trait}|${anchor.value}`
  const cluster: FarmCluster = {
    cluster_id: `${tenant}:farm-${createHash('sha256').update(stableKey).digest('hex').slice(0, 10)}`,
    tenant_id: tenant,
    score,
    severity: severityFor(score),
    reasons,
    size,
    members: ids.slice(0, MAX_MEMBERS),
    shared_traits: shared.slice(0, 20),
    rejection_mix: {},
    attest_rejected: members.reduce((a, m) => a + m.attest_rejected, 0),
    attest_accepted: members.reduce((a, m) => a + m.attest_accepted, 0),
    new_installs: fresh.length,
    max_new_per_minute: Math.max(0, ...perMinute.values()),
    timing_dispersion: best.dispersion,
    signals,
    cost_micros: members.reduce((a, m) => a + m.cost_micros, 0),
    first_seen: Math.min(...members.map((m) => m.first_seen)),
    last_seen: Math.max(...members.map((m) => m.last_seen)),
  }
  return { cluster, memberIds: ids }
}

function rankClusters(
  installs: FarmInstall[],
  windowStart: number,
  s: Pick<DetectionSettings, 'farmMinSize' | 'zAlert'>,
  windowEnd?: number,
): ClusterWithMembers[] {
  const burstStart = windowEnd === undefined ? windowStart : Math.max(windowStart, windowEnd - NEW_INSTALL_BURST_MINUTES * 60_000)
  const groups = scoreGroups(installs, windowStart, s.farmMinSize, s.zAlert, burstStart)
  return mergeGroups(groups)
    .map((g) => clusterOf(g, windowStart, s.zAlert, burstStart))
    .sort((a, b) => b.cluster.score - a.cluster.score || b.cluster.size - a.cluster.size)
}

/** Pure part: installs → ranked clusters, for unit tests. */
export function clusterFarms(
  installs: FarmInstall[],
  windowStart: number,
  s: Pick<DetectionSettings, 'farmMinSize' | 'zAlert'>,
  windowEnd?: number,
): FarmCluster[] {
  return rankClusters(installs, windowStart, s, windowEnd).map((c) => c.cluster)
}

/** Every cluster of the window ending at `now`, ranked, without rejection mix (attachRejectionMix). */
export async function farmClustersInWindow(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; fromMs?: number; cachedTiming?: boolean; profiles?: RunProfiles } = {},
): Promise<ClusterWithMembers[]> {
  const fromMs = opts.fromMs ?? now - s.farmWindowMinutes * 60_000
  const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant: opts.tenant ?? '', silence: s.farmWakeSilenceMinutes }
  // The detector's tick (cachedTiming) aggregates each closed minute's timing once (farm-timing.ts); listings and
  // exports over any range read it with the profiles in one query.
  const timing = opts.cachedTiming ? await timePhase(`${SUB}timing`, () => farmTimings(store, params.from, params.to, params.tenant, params.silence)) : null
  // As columns: the window's ≈ 20,000 installs at 5,000 ev/s decoded row by row cost ≈ 0.3 s of CPU (query.ts).
  // The run's shared read (run-profiles.ts) when it is of this window: prompt bombing may have made it already.
  const shared = timing && opts.profiles && sameParams(opts.profiles.params, params) ? opts.profiles : undefined
  const { rows, cols: c } = await timePhase(`${SUB}installs SQL`, () =>
    shared ? shared.read() : selectColumns<Record<string, unknown>>(store, (timing ? farmProfilesSql : farmInstallsSql)(store.database), params),
  )
  const installs: FarmInstall[] = []
  for (let j = 0; j < rows; j++)
    installs.push({
      tenant_id: String(c.tenant_id[j]),
      install_id: String(c.install_id[j]),
      first_seen: num(c.first_seen[j]),
      last_seen: num(c.last_seen[j]),
      app_version: String(c.app_version[j]),
      platform: String(c.platform[j]),
      device_model: String(c.device_model[j]),
      os_version: String(c.os_version[j]),
      device_fingerprint: String(c.device_fingerprint[j]),
      ip_prefix: String(c.ip_prefix[j]),
      asn: num(c.asn[j]),
      country: String(c.country[j]),
      cost_micros: num(c.cost_micros[j]),
      attest_accepted: num(c.attest_accepted[j]),
      attest_rejected: num(c.attest_rejected[j]),
      suspicious_rejections: num(c.suspicious_rejections[j]),
      span_minutes: num(c.span_minutes?.[j]),
      req_sum: num(c.req_sum?.[j]),
      req_sq: num(c.req_sq?.[j]),
      first_active: c.first_active ? num(c.first_active[j]) : undefined,
      burst_requests: c.burst_requests ? num(c.burst_requests[j]) : undefined,
      minutes_lo: c.minutes_lo ? num(c.minutes_lo[j]) : undefined,
      minutes_hi: c.minutes_hi ? num(c.minutes_hi[j]) : undefined,
      minutes_end: c.minutes_end ? num(c.minutes_end[j]) : undefined,
    })
  if (timing)
    for (const i of installs) {
      const t = timing.get(`${i.tenant_id}\u0000${i.install_id}`)
      if (t) Object.assign(i, t)
    }
  return timePhase(`${SUB}clusters`, async () => rankClusters(installs, fromMs, s, now))
}

const sameParams = (a: { from: number; to: number; tenant: string }, b: { from: number; to: number; tenant: string }) =>
  a.from === b.from && a.to === b.to && a.tenant === b.tenant

/** Prefix of this detector's sub-phases in the bench's CPU breakdown (phase-cost.ts). */
const SUB = 'emulator_farms:   '

/** Install ids per rejection-mix query: the list travels in the request URL. */
const MIX_BATCH = 2_000

/**
 * Attestation rejections by reason of each cluster's (listed) members since
 * fromMs. Queried per tenant in batches of installs, not per cluster: the
 * alert path attaches it to every flagged cluster, however many there are.
 */
export async function attachRejectionMix(store: Store, clusters: FarmCluster[], fromMs: number): Promise<void> {
  const byTenant = new Map<string, FarmCluster[]>()
  for (const c of clusters) {
    appendTo(byTenant, c.tenant_id, c)
  }
  for (const [tenant, list] of byTenant) {
    const installs = [...new Set(list.flatMap((c) => c.members))]
    const byInstall = new Map<string, [string, number][]>()
    for (let i = 0; i < installs.length; i += MIX_BATCH) {
      const rows = await selectRows<{ install_id: string; reason: string; rejections: number | string }>(store, farmRejectionsSql(store.database), {
        tenant,
        installs: installs.slice(i, i + MIX_BATCH),
        from: toSec(fromMs),
      })
      for (const r of rows) {
        const mix = byInstall.get(r.install_id)
        if (mix) mix.push([r.reason, num(r.rejections)])
        else byInstall.set(r.install_id, [[r.reason, num(r.rejections)]])
      }
    }
    for (const c of list) {
      const mix = new Map<string, number>()
      for (const m of c.members) for (const [reason, n] of byInstall.get(m) ?? []) mix.set(reason, (mix.get(reason) ?? 0) + n)
      c.rejection_mix = Object.fromEntries([...mix].sort((a, b) => b[1] - a[1]))
    }
  }
}

/**
 * Ranked clusters of the window: the top `limit` (for a listing) and, always,
 * every one scoring at least FINDING_MIN_SCORE, which the alert layer needs
 * for hysteresis. No cap across tenants: a cap would leave the lowest-ranked
 * farms unalerted and let their open alerts auto-resolve while they are
 * still active. Clusters are disjoint and each has at least farmMinSize
 * members, so there are at most (active installs / farmMinSize) of them,
 * the same bound as the per-install detectors' findings.
 */
export async function detectEmulatorFarms(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; fromMs?: number; limit?: number; profiles?: RunProfiles } = {},
): Promise<FarmCluster[]> {
  const fromMs = opts.fromMs ?? now - s.farmWindowMinutes * 60_000
  const limit = opts.limit ?? 50
  // Only the detector's own window is cached: it slides by one run at a time.
  const cachedTiming = opts.fromMs === undefined
  const clusters = (await farmClustersInWindow(store, s, now, { tenant: opts.tenant, fromMs, cachedTiming, profiles: opts.profiles }))
    .map((c) => c.cluster)
    .filter((c, i) => i < limit || c.score >= FINDING_MIN_SCORE)
  await timePhase(`${SUB}rejection mix`, () => attachRejectionMix(store, clusters, fromMs))
  return clusters
}
