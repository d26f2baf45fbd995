import type { Install, Tenant } from './population'
import { consumerDevice, residentialNetwork } from './population'
import { Rng, hashString, mixSeed } from './random'
import type { ScenarioContext } from './scenarios'

/** What the family scenarios (families.ts, benign.ts) share: their frame, fresh ids and recruits. */
export const MIN = 60_000

export interface Frame {
  rng: Rng
  start: number
  end: number
  tenant: Tenant
  s: ScenarioContext['settings']
}

export function frameOf(name: string, ctx: ScenarioContext, defaultDuration: number): Frame {
  const rng = new Rng(mixSeed(ctx.seed, hashString(name)))
  const s = ctx.settings
  const start = ctx.startMs + (s.offsetMs ?? 5 * MIN)
  const tenant = ctx.pop.tenants.find((t) => t.id === s.tenant) ?? ctx.pop.tenants[0]
  return { rng, start, end: start + (s.durationMs ?? defaultDuration), tenant, s }
}

export function freshInstall(
  rng: Rng,
  tenant: Tenant,
  known: Set<string>,
  net?: { ipPrefix: string; asn: number; country: string },
  device?: { deviceModel: string; osVersion: string; fingerprint: string },
): Install {
  let id: string
  do id = `i-${rng.hex(16)}`
  while (known.has(id))
  known.add(id)
  const country = net?.country ?? tenant.countries[0][0]
  return {
    index: -1,
    id,
    tenant,
    appVersion: tenant.versions[tenant.versions.length - 1],
    platform: 'android',
    ...(device ?? { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) }),
    ...(net ?? { ...residentialNetwork(rng, country), country }),
    tzHours: 0,
    activity: 0,
    tokenExpiresAt: 0,
    rooted: false,
  }
}

export function recruitFrom(ctx: ScenarioContext, tenant: Tenant, count: number, rng: Rng): Install[] {
  const pool = ctx.pop.installs.filter((i) => i.tenant === tenant && !i.rooted && !ctx.taken.has(i.id))
  const out: Install[] = []
  while (out.length < count && pool.length) out.push(...pool.splice(rng.int(pool.length), 1))
  for (const i of out) ctx.taken.add(i.id)
  return out
}

export const featureOf = (f: Frame) => f.tenant.features.find((x) => x.name === (f.s.feature ?? 'chat_assistant')) ?? f.tenant.features[0]

/**
 * A client's calls at a steady random rate (a Poisson process of `perMinute` calls a minute) that fall in this tick,
 * before `until` (the tick's end, or earlier where the client stops): `call` for each, in time order. `clock.next` is
 * the next call's time, kept between ticks; a call due before the tick (a tick missed) is made at its start `t0`.
 * The next call's time is drawn before `call` makes its own draws: the order every scenario's traffic is seeded by.
 */
export function poissonCalls(clock: { next: number }, perMinute: number, rng: Rng, t0: number, until: number, call: (ts: number) => void): void {
  while (clock.next < until) {
    const ts = Math.max(t0, clock.next)
    clock.next = ts + 1 + Math.round(rng.exponential(MIN / perMinute))
    call(ts)
  }
}
