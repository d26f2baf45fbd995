import { refusedTokenHint } from './policy-source'

export interface HttpAckOptions {
  /** The app, as for the snapshot (ENFORCER_POLICY_URL). */
  policyUrl: string
  /** The gateway token the enforcer polls the snapshot with: the app records which token reported the replica. */
  token?: string
  /** `enforcer-<replica>`, as on the events topic. */
  gatewayId: string
  log: (line: string) => void
}

/**
 * Acks and heartbeats of an enforcer that has no Kafka (HTTP snapshot polling
 * only): the same policy_ack the topic carries, sent through the app's
 * POST /api/policy/ack with the gateway token it already polls with. So the
 * Policies page lists the replica (version held, lag, last seen) whichever
 * way it follows the policy. A failed ack is logged once per streak and
 * retried by the next heartbeat; it never affects decisions.
 */
export class HttpAcker {
  private failing = false
  private inFlight = false
  /** Newest version asked for while an ack was in flight: sent next, once (heartbeats coalesce). */
  private next: number | null = null

  constructor(private readonly o: HttpAckOptions) {}

  /**
   * At most one ack in flight per replica: when the app is slow to store them (seconds, on a loaded
   * machine), heartbeats must not queue up behind each other and slow it further.
   */
  async ack(version: number): Promise<void> {
    if (this.inFlight) {
      this.next = version
      return
    }
    this.inFlight = true
    try {
      await this.send(version)
    } finally {
      this.inFlight = false
    }
    const next = this.next
    this.next = null
    if (next !== null) await this.ack(next)
  }

  private async send(version: number): Promise<void> {
    try {
      const res = await fetch(new URL('/api/policy/ack', this.o.policyUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}) },
        body: JSON.stringify({ gateway_id: this.o.gatewayId, policy_version: version }),
        signal: AbortSignal.timeout(5_000),
      })
      await res.arrayBuffer()
      if (!res.ok)
        throw new Error(`POST /api/policy/ack answered ${res.status}${res.status === 401 || res.status === 403 ? refusedTokenHint(this.o.token) : ''}`)
      if (this.failing) this.o.log(`[enforcer] acks over HTTP work again (v${version})`)
      this.failing = false
    } catch (err) {
      if (!this.failing) this.o.log(`[enforcer] ack over HTTP failed, the Policies page will show this replica as not seen: ${(err as Error).message}`)
      this.failing = true
    }
  }
}
