import { defaultPriceBook } from '../pricing/cost'
import type { GatewaySimulator } from '../simulator'

/** Per-second rates and per-request means of one dimension group, at diurnal factor 1. */
export interface GroupProfile {
  tenant_id: string
  feature: string
  model: string
  app_version: string
  platform: string
  requestsPerS: number
  streamShare: number
  servedShare: number
  errorShare: number
  promptPerReq: number
  completionPerReq: number
  costPerReq: number
  streamMsPerReq: number
  acceptedPerS: number
  rejectedPerS: number
  deniedPerS: number
  /** Distinct installs in a 5-minute slot, and how many the tenant has. */
  installsPerSlot: number
  population: number
  maxContext: number
}

type Ev = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : '')
const num = (v: unknown) => (typeof v === 'number' ? v : 0)

/**
 * The live simulator's traffic, measured: `minutes` of its output (no attack
 * scenarios) summed per tenant, feature, model, app version and platform the
 * way usage_minute sums them, divided by the simulator's own diurnal curve so
 * the seed can lay any curve over it. The seed is thus the live traffic's
 * scale and mix, not a guess of it.
 */
export function profileTraffic(sim: GatewaySimulator, ratePerSec: number, startMs: number, minutes: number): GroupProfile[] {
  const endMs = startMs + minutes * 60_000
  const events = sim.generate(startMs, endMs) as unknown as Ev[]
  let diurnal = 0
  for (let t = startMs; t < endMs; t += 60_000) diurnal += sim.rateAt(t) / ratePerSec
  const seconds = (diurnal / minutes) * minutes * 60
  const groups = new Map<
    string,
    GroupProfile & {
      installs: Map<number, Set<string>>
      requests: number
      streams: number
      served: number
      errors: number
      prompt: number
      completion: number
      cost: number
      streamMs: number
      accepted: number
      rejected: number
      denied: number
    }
  >()
  const tenantInstalls = new Map<string, Set<string>>()
  for (const e of events) {
    if (e.type === 'policy_ack' || e.type === 'stream_progress') continue
    const tenant = str(e.tenant_id)
    const key = [tenant, str(e.feature), str(e.model), str(e.app_version), str(e.platform)].join('\u0000')
    let g = groups.get(key)
    if (!g) {
      g = {
        tenant_id: tenant,
        feature: str(e.feature),
        model: str(e.model),
        app_version: str(e.app_version),
        platform: str(e.platform),
        requestsPerS: 0,
        streamShare: 0,
        servedShare: 0,
        errorShare: 0,
        promptPerReq: 0,
        completionPerReq: 0,
        costPerReq: 0,
        streamMsPerReq: 0,
        acceptedPerS: 0,
        rejectedPerS: 0,
        deniedPerS: 0,
        installsPerSlot: 0,
        population: 0,
        maxContext: 0,
        installs: new Map(),
        requests: 0,
        streams: 0,
        served: 0,
        errors: 0,
        prompt: 0,
        completion: 0,
        cost: 0,
        streamMs: 0,
        accepted: 0,
        rejected: 0,
        denied: 0,
      }
      groups.set(key, g)
    }
    const install = str(e.install_id)
    const slot = Math.floor(num(e.ts) / 300_000)
    if (!g.installs.has(slot)) g.installs.set(slot, new Set())
    g.installs.get(slot)!.add(install)
    if (!tenantInstalls.has(tenant)) tenantInstalls.set(tenant, new Set())
    tenantInstalls.get(tenant)!.add(install)
    if (e.type === 'llm_request' || e.type === 'stream') {
      g.requests++
      if (e.type === 'stream') {
        g.streams++
        g.streamMs += num(e.duration_ms)
      }
      if (e.outcome === 'served' || e.end_reason === 'completed' || e.end_reason === 'client_disconnect') g.served++
      if (e.outcome === 'upstream_error' || e.end_reason === 'timeout') g.errors++
      g.prompt += num(e.prompt_tokens)
      g.completion += num(e.completion_tokens)
      g.cost += num(e.cost_micros) || (defaultPriceBook.costMicros(g.model, num(e.ts), num(e.prompt_tokens), num(e.completion_tokens)) ?? 0)
      g.maxContext = Math.max(g.maxContext, num(e.context_tokens))
    } else if (e.type === 'attestation') {
      if (e.verdict === 'accepted') g.accepted++
      else g.rejected++
    } else if (e.type === 'policy_denial') g.denied++
  }
  return [...groups.values()].map((g) => {
    const per = (x: number) => (g.requests ? x / g.requests : 0)
    const slots = [...g.installs.values()]
    return {
      tenant_id: g.tenant_id,
      feature: g.feature,
      model: g.model,
      app_version: g.app_version,
      platform: g.platform,
      requestsPerS: g.requests / seconds,
      streamShare: per(g.streams),
      servedShare: per(g.served),
      errorShare: per(g.errors),
      promptPerReq: per(g.prompt),
      completionPerReq: per(g.completion),
      costPerReq: per(g.cost),
      streamMsPerReq: per(g.streamMs),
      acceptedPerS: g.accepted / seconds,
      rejectedPerS: g.rejected / seconds,
      deniedPerS: g.denied / seconds,
      installsPerSlot: slots.reduce((s, x) => s + x.size, 0) / Math.max(1, slots.length) / (diurnal / minutes),
      population: tenantInstalls.get(g.tenant_id)?.size ?? 1,
      maxContext: g.maxContext,
    }
  })
}
