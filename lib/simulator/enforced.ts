import type { Store } from '../clickhouse/client'
import type { GatewayEventInput } from '../events/schema'
import { defaultPriceBook, type PriceBook } from '../pricing/cost'
import type { Decision, PolicyEnforcer } from '../policy/enforcer'
import { sharedEnforcer } from '../policy/in-process'
import { policyService } from '../policy/service'
import type { StreamAdmission, StreamGate, StreamStart } from './gate'

type Call = Extract<GatewayEventInput, { type: 'llm_request' | 'stream' }>
interface Generator {
  generate(fromMs: number, toMs: number): GatewayEventInput[]
  attachGate?(gate: StreamGate): void
}

const tsOf = (e: GatewayEventInput) => (typeof e.ts === 'number' ? e.ts : Date.parse(e.ts))
/** Rule ids in events allow [A-Za-z0-9._:@/+=-]: the global subject '*' is spelled 'all'. */
const ruleIdOf = (key: string) => key.replace('*', 'all')

/**
 * The simulated gateway with the reference enforcer in front of it: every
 * generated call is admitted or denied by current policy, the way a real
 * gateway would. A denied call becomes a policy_denial event; a call over an
 * output cap is cut (tokens capped, outcome cut_by_policy, re-priced by the
 * ingest's catalog). After a new policy version is applied, a policy_ack is
 * emitted with the wall-clock time it was applied, for time-to-enforce.
 */
export class EnforcedGenerator implements Generator, StreamGate {
  private open: { end: number; settle: () => void }[] = []
  private acked: number
  /** Streams judged when they opened (through openStream): passed through as they are. */
  private readonly judged = new WeakSet<GatewayEventInput>()

  constructor(
    private readonly inner: Generator,
    readonly enforcer: PolicyEnforcer,
    private readonly opts: { gatewayId?: string; prices?: PriceBook } = {},
  ) {
    this.acked = enforcer.version
    inner.attachGate?.(this)
  }

  openStream(call: StreamStart): StreamAdmission {
    this.release(call.atMs)
    const who = { tenantId: call.inst.tenant.id, feature: call.feature, installId: call.inst.id }
    const d = this.enforcer.admit({ ...who, contextTokens: call.contextTokens, stream: true, nowMs: call.atMs })
    if (!d.allowed) return { allowed: false, policyVersion: d.version, ruleId: ruleIdOf(d.ruleId), ruleKind: d.ruleKind }
    return {
      allowed: true,
      revokedSince: (atMs) => this.revokedSince({ ...call, atMs }),
      close: (e) => {
        const out = this.served(e, d, true)
        this.judged.add(out)
        return out
      },
    }
  }

  revokedSince(call: Omit<StreamStart, 'contextTokens'>): number | null {
    const who = { tenantId: call.inst.tenant.id, feature: call.feature, installId: call.inst.id }
    return this.enforcer.revokes(who, call.atMs) ? (this.enforcer.appliedAt.get(this.enforcer.version) ?? call.atMs) : null
  }

  generate(fromMs: number, toMs: number): GatewayEventInput[] {
    const out: GatewayEventInput[] = []
    for (const e of this.inner.generate(fromMs, toMs)) {
      if (e.type === 'attestation') this.enforcer.noteAttestation(e.install_id, e.verdict === 'rejected')
      if ((e.type === 'llm_request' || e.type === 'stream') && !this.judged.has(e)) out.push(this.enforce(e))
      else out.push(e)
    }
    this.release(toMs)
    const v = this.enforcer.version
    if (v > this.acked) {
      const at = this.enforcer.appliedAt.get(v) ?? Date.now()
      out.push({
        schema_version: 1,
        type: 'policy_ack',
        event_id: `ack-${this.opts.gatewayId ?? 'simulator'}-${v}-${at}`,
        ts: at,
        tenant_id: '_gateway',
        gateway_id: this.opts.gatewayId ?? 'simulator',
        policy_version: v,
      })
      this.acked = v
    }
    return out
  }

  private release(untilMs: number) {
    if (this.open.length === 0) return
    const still: typeof this.open = []
    for (const s of this.open) s.end <= untilMs ? s.settle() : still.push(s)
    this.open = still
  }

  private enforce(e: Call): GatewayEventInput {
    const end = tsOf(e)
    const start = e.type === 'stream' ? end - e.duration_ms : end
    this.release(start)
    const d: Decision = this.enforcer.admit({
      tenantId: e.tenant_id,
      feature: e.feature,
      installId: e.install_id,
      contextTokens: e.prompt_tokens,
      stream: e.type === 'stream',
      nowMs: start,
    })
    if (!d.allowed) {
      const { type: _t, prompt_tokens: _p, completion_tokens: _c, context_tokens: _x, prompt_bytes: _b, cost_micros: _m, ...head } = e
      const base = Object.fromEntries(Object.entries(head).filter(([k]) => !CALL_ONLY.has(k))) as Record<string, unknown>
      return { ...base, type: 'policy_denial', ts: start, policy_version: d.version, rule_id: ruleIdOf(d.ruleId), rule_kind: d.ruleKind } as GatewayEventInput
    }
    return this.served(e, d, false)
  }

  /** An admitted call as reported: output over the cap cut, re-priced, quotas settled now or when the stream ends. */
  private served(e: Call, d: Extract<Decision, { allowed: true }>, settleNow: boolean): Call {
    const end = tsOf(e)
    let call: Call = e
    if (d.outputCap !== null && e.completion_tokens > d.outputCap) {
      const cap = d.outputCap
      const { cost_micros: _m, ...rest } = e // re-priced on the capped tokens by the ingest
      call =
        e.type === 'stream'
          ? {
              ...(rest as typeof e),
              completion_tokens: cap,
              end_reason: 'cut_by_policy',
              duration_ms: Math.round((e.ttft_ms ?? 0) + (e.duration_ms - (e.ttft_ms ?? 0)) * (cap / Math.max(1, e.completion_tokens))),
            }
          : { ...(rest as typeof e), completion_tokens: cap, outcome: 'cut_by_policy' }
    }
    const cost = (this.opts.prices ?? defaultPriceBook).costMicros(call.model, end, call.prompt_tokens, call.completion_tokens) ?? 0
    const settle = () => d.settle({ promptTokens: call.prompt_tokens, completionTokens: call.completion_tokens, costMicros: cost, nowMs: end })
    if (call.type === 'stream' && !settleNow) this.open.push({ end, settle })
    else settle()
    return call
  }
}

/** Fields of a call that a denial event does not carry. */
const CALL_ONLY = new Set(['outcome', 'latency_ms', 'stream_id', 'transport', 'duration_ms', 'ttft_ms', 'end_reason'])

/**
 * Wraps the embedded simulator with the in-process enforcer of the store's
 * policy: `new SimulatorSource(await withPolicyEnforcement(simulator, store), …)`.
 */
export async function withPolicyEnforcement(inner: Generator, store: Store): Promise<EnforcedGenerator> {
  const { enforcer, ready } = sharedEnforcer(policyService(store))
  await ready
  return new EnforcedGenerator(inner, enforcer)
}
