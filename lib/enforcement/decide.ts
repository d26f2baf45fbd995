import type { PolicyEnforcer } from '../policy/enforcer'
import { RULE_KIND_OF, type ControlName } from '../policy/types'
import type { PriceBook } from '../pricing/cost'
import { OUT, type DecisionInput } from './headers'
import type { QuotaStore } from './quota'

export type FailMode = 'closed' | 'open'

/** What the HTTP layer sends back: a status, headers for the gateway, and a JSON body. */
export interface Answer {
  status: 200 | 400 | 403 | 429 | 503
  headers: Record<string, string>
  body: Record<string, unknown>
}

export interface PolicyFreshness {
  /** A verified snapshot has been applied (the version floor). */
  ready: boolean
  /** Policy not confirmed current for longer than the staleness bound. */
  stale: boolean
}

export interface DeciderOptions {
  enforcer: PolicyEnforcer
  quotas: QuotaStore
  prices: PriceBook
  freshness: () => PolicyFreshness
  failMode: FailMode
  /** Output a request may produce when neither the client nor the policy caps it (its worst case must be finite). */
  defaultMaxOutput: number
  leaseMs: number
  streamLeaseMs: number
}

export interface DecisionStats {
  allowed: number
  denied: number
  quota: number
  badInput: number
  unavailable: number
}

/**
 * One forward-auth decision: the signed policy held (precedence from
 * lib/policy/resolve.ts), then a reservation of the request's worst case
 * against the install's quotas. The request id becomes the lease id, which
 * the gateway's event for that request settles (events.ts).
 */
export class Decider {
  readonly stats: DecisionStats = { allowed: 0, denied: 0, quota: 0, badInput: 0, unavailable: 0 }

  constructor(private readonly o: DeciderOptions) {}

  private answer(status: Answer['status'], body: Record<string, unknown>, extra: Record<string, string> = {}): Answer {
    const reason = JSON.stringify(body)
    // The reason travels as a header too: nginx's auth_request drops the subrequest's body.
    return { status, body, headers: { [OUT.status]: String(status), [OUT.reason]: reason, [OUT.version]: String(this.o.enforcer.version), ...extra } }
  }

  badInput(error: string): Answer {
    this.stats.badInput++
    return this.answer(400, { error: 'bad_request', detail: error })
  }

  // A method, not a closure made per decision: decide runs on every request (profiled, bench/enforcer.ts).
  private refuse(
    status: 403 | 429,
    name: ControlName,
    source: Partial<Record<ControlName, { key: string }>>,
    policyNote: Record<string, string>,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Answer {
    if (status === 403) this.stats.denied++
    else this.stats.quota++
    const version = this.o.enforcer.version
    return this.answer(
      status,
      {
        error: status === 403 ? 'denied' : 'quota_exceeded',
        rule_kind: RULE_KIND_OF[name],
        rule_id: source[name]?.key ?? null,
        policy_version: version,
        ...extra,
      },
      { ...headers, ...policyNote },
    )
  }

  async decide(input: DecisionInput, nowMs = Date.now()): Promise<Answer> {
    const fresh = this.o.freshness()
    const policyNote: Record<string, string> = {}
    if (!fresh.ready || fresh.stale) {
      const error = fresh.ready ? 'policy_stale' : 'policy_unavailable'
      if (this.o.failMode === 'closed') {
        this.stats.unavailable++
        return this.answer(
          503,
          { error, detail: fresh.ready ? 'the policy held is older than ENFORCER_MAX_STALENESS_MS' : 'no verified policy snapshot yet' },
          { 'retry-after': '1' },
        )
      }
      policyNote[OUT.policy] = fresh.ready ? 'stale' : 'none'
    }
    const { enforcer } = this.o
    const { controls: c, source } = enforcer.resolve(
      { tenantId: input.tenantId, feature: input.feature, installId: input.installId, risky: input.risky },
      nowMs,
    )
    if (c.revoked) return this.refuse(403, 'revoked', source, policyNote)
    if (c.maxContextTokens !== undefined && input.contextTokens > c.maxContextTokens)
      return this.refuse(403, 'maxContextTokens', source, policyNote, { max_context_tokens: c.maxContextTokens })
    if (c.degrade && input.contextTokens > c.degrade.maxContextTokens)
      return this.refuse(403, 'degrade', source, policyNote, { max_context_tokens: c.degrade.maxContextTokens })
    let wantOutput = input.maxOutput ?? this.o.defaultMaxOutput
    if (c.maxOutputTokens !== undefined) wantOutput = Math.min(wantOutput, c.maxOutputTokens)
    if (c.degrade) wantOutput = Math.min(wantOutput, c.degrade.maxOutputTokens)
    const price = this.o.prices.priceAt(input.model, nowMs)
    // A spend limit needs a price: an uncatalogued model's worst case is unknown, so it is refused rather than guessed.
    if (c.spendPerDayMicros !== undefined && !price)
      return this.refuse(403, 'spendPerDayMicros', source, policyNote, { detail: `model ${input.model} has no catalogued price` })
    const r = await this.o.quotas.reserve(
      {
        installId: input.installId,
        leaseId: input.requestId,
        contextTokens: input.contextTokens,
        wantOutput,
        stream: input.stream,
        limits: {
          tokensPerMinute: c.tokensPerMinute,
          tokensPerDay: c.tokensPerDay,
          spendPerDayMicros: c.spendPerDayMicros,
          maxConcurrentStreams: c.maxConcurrentStreams,
        },
        price: price ? { input: price.inputMicrosPerMTok, output: price.outputMicrosPerMTok } : null,
        leaseMs: input.stream ? this.o.streamLeaseMs : this.o.leaseMs,
      },
      nowMs,
    )
    if (!r.ok) {
      const retryAfter = Math.max(1, Math.ceil(r.retryAfterMs / 1000))
      return this.refuse(429, r.kind, source, policyNote, { retry_after_s: retryAfter }, { 'retry-after': String(retryAfter) })
    }
    this.stats.allowed++
    const headers: Record<string, string> = {
      [OUT.status]: '200',
      [OUT.version]: String(enforcer.version),
      [OUT.maxOutput]: String(r.outputTokens),
      ...policyNote,
    }
    if (c.degrade) {
      headers[OUT.degrade] = '1'
      headers[OUT.maxContext] = String(c.degrade.maxContextTokens)
    } else if (c.maxContextTokens !== undefined) headers[OUT.maxContext] = String(c.maxContextTokens)
    return {
      status: 200,
      headers,
      body: {
        allowed: true,
        max_output_tokens: r.outputTokens,
        reserved_tokens: r.reservedTokens,
        reserved_micros: Math.ceil(r.reservedMicros),
        degrade: Boolean(c.degrade),
        policy_version: enforcer.version,
      },
    }
  }
}
