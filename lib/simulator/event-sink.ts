import type { AttestationReason, GatewayEventInput, POLICY_RULE_KINDS } from '../events/schema'
import { defaultPriceBook } from '../pricing/cost'
import type { StreamEvent } from './gate'
import type { Install } from './population'

export type RuleKind = (typeof POLICY_RULE_KINDS)[number]
export type EndReason = 'completed' | 'client_disconnect' | 'timeout' | 'cut_by_policy'

export interface Usage {
  feature: string
  model: string
  context: number
  prompt: number // billed input tokens: 0 when the upstream failed before usage was reported
  completion: number
  bytes: number
  /**
   * Set when the gateway meters the call itself: it then always reports the cost, at this many times the catalog
   * price (1: the catalog's; more: a provider's price change). Absent: the gateway reports a cost for a tenth of calls.
   */
  billedFactor?: number
}

/**
 * Builds events and hands out ids. Ids are `<prefix><counter base36>`; the
 * prefix carries seed and start time so two runs with the same seed but a
 * different start do not collide in the ingest's duplicate filter.
 */
export class EventSink {
  out: GatewayEventInput[] = []
  private n = 0

  constructor(private readonly prefix: string) {}

  // Full object literals, no spread of a shared head: V8 then gives each event type one
  // fast shape; with spreads generation was ~20x slower and JSON.stringify slower too.
  attestation(inst: Install, version: string, ts: number, reasons: AttestationReason[], feature?: string): void {
    const e: GatewayEventInput = {
      schema_version: 1,
      event_id: this.prefix + (this.n++).toString(36),
      ts,
      tenant_id: inst.tenant.id,
      type: 'attestation',
      install_id: inst.id,
      app_id: inst.tenant.appId,
      app_version: version,
      platform: inst.platform,
      device_model: inst.deviceModel,
      os_version: inst.osVersion,
      device_fingerprint: inst.fingerprint,
      ip_prefix: inst.ipPrefix,
      asn: inst.asn,
      country: inst.country,
      // Reason lists come from shared constants; each event gets its own copy.
      verdict: reasons.length ? 'rejected' : 'accepted',
      reasons: reasons.length ? reasons.slice() : [],
      feature,
    }
    this.out.push(e)
  }

  request(inst: Install, version: string, ts: number, u: Usage, outcome: 'served' | 'upstream_error', latencyMs: number): void {
    this.out.push({
      schema_version: 1,
      event_id: this.prefix + (this.n++).toString(36),
      ts,
      tenant_id: inst.tenant.id,
      type: 'llm_request',
      install_id: inst.id,
      app_id: inst.tenant.appId,
      app_version: version,
      platform: inst.platform,
      device_model: inst.deviceModel,
      os_version: inst.osVersion,
      device_fingerprint: inst.fingerprint,
      ip_prefix: inst.ipPrefix,
      asn: inst.asn,
      country: inst.country,
      feature: u.feature,
      model: u.model,
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      context_tokens: u.context,
      prompt_bytes: u.bytes,
      cost_micros: this.cost(u, ts),
      outcome,
      latency_ms: Math.round(latencyMs),
    })
  }

  /**
   * `ts` is when the stream ended: the gateway reports a stream once, on close.
   * `close` is the gateway's last word on a stream it admitted (output cap, price, quota settlement).
   */
  stream(
    inst: Install,
    version: string,
    ts: number,
    u: Usage,
    transport: 'sse' | 'websocket',
    durationMs: number,
    ttftMs: number,
    endReason: EndReason,
    close?: (e: StreamEvent) => GatewayEventInput,
    streamId?: string,
  ): void {
    const e: StreamEvent = {
      schema_version: 1,
      event_id: this.prefix + (this.n++).toString(36),
      ts,
      tenant_id: inst.tenant.id,
      type: 'stream',
      install_id: inst.id,
      app_id: inst.tenant.appId,
      app_version: version,
      platform: inst.platform,
      device_model: inst.deviceModel,
      os_version: inst.osVersion,
      device_fingerprint: inst.fingerprint,
      ip_prefix: inst.ipPrefix,
      asn: inst.asn,
      country: inst.country,
      feature: u.feature,
      model: u.model,
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      context_tokens: u.context,
      prompt_bytes: u.bytes,
      cost_micros: this.cost(u, ts),
      stream_id: streamId ?? `${this.prefix}s${this.n.toString(36)}`,
      transport,
      duration_ms: Math.round(durationMs),
      ttft_ms: Math.round(ttftMs),
      end_reason: endReason,
    }
    this.out.push(close ? close(e) : e)
  }

  /** A new stream id, for a stream whose progress is reported before it closes. */
  streamId(): string {
    return `${this.prefix}p${(this.n++).toString(36)}`
  }

  /** A report on a stream still open (docs/events.md): tokens so far, elapsed time, never a cost. */
  streamProgress(
    inst: Install,
    version: string,
    ts: number,
    u: Usage,
    transport: 'sse' | 'websocket',
    elapsedMs: number,
    ttftMs: number,
    streamId: string,
  ): void {
    this.out.push({
      schema_version: 1,
      event_id: this.prefix + (this.n++).toString(36),
      ts,
      tenant_id: inst.tenant.id,
      type: 'stream_progress',
      install_id: inst.id,
      app_id: inst.tenant.appId,
      app_version: version,
      platform: inst.platform,
      device_model: inst.deviceModel,
      os_version: inst.osVersion,
      device_fingerprint: inst.fingerprint,
      ip_prefix: inst.ipPrefix,
      asn: inst.asn,
      country: inst.country,
      feature: u.feature,
      model: u.model,
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      context_tokens: u.context,
      prompt_bytes: u.bytes,
      stream_id: streamId,
      transport,
      duration_ms: Math.round(elapsedMs),
      ttft_ms: elapsedMs >= ttftMs ? Math.round(ttftMs) : 0,
    } as GatewayEventInput)
  }

  /** Without `rule`, background noise: denials by quotas the simulated tenants are assumed to have set. */
  denial(inst: Install, version: string, ts: number, feature: string, model: string, ruleKind: RuleKind, rule?: { version: number; id: string }): void {
    this.out.push({
      schema_version: 1,
      event_id: this.prefix + (this.n++).toString(36),
      ts,
      tenant_id: inst.tenant.id,
      type: 'policy_denial',
      install_id: inst.id,
      app_id: inst.tenant.appId,
      app_version: version,
      platform: inst.platform,
      device_model: inst.deviceModel,
      os_version: inst.osVersion,
      device_fingerprint: inst.fingerprint,
      ip_prefix: inst.ipPrefix,
      asn: inst.asn,
      country: inst.country,
      feature,
      model,
      policy_version: rule?.version ?? 3,
      rule_id: rule?.id ?? `${inst.tenant.id}:${ruleKind}`,
      rule_kind: ruleKind,
    })
  }

  /**
   * ~10% of priced events carry a gateway-computed cost so the ingest's
   * "gateway" cost path gets traffic; the rest are priced by the ingest.
   * undefined is dropped by JSON.stringify, so the key is absent on the wire.
   */
  private cost(u: Usage, ts: number): number | undefined {
    if (u.billedFactor === undefined && Math.imul(this.n, 0x9e3779b1) >>> 0 >= 429_496_730) return undefined
    const catalog = defaultPriceBook.costMicros(u.model, ts, u.prompt, u.completion)
    return catalog === null ? undefined : u.billedFactor === undefined ? catalog : Math.round(catalog * u.billedFactor)
  }
}
