import type { ServerResponse } from 'node:http'
import type { PolicyEnforcer } from '../policy/enforcer'
import type { RequestContext } from '../policy/resolve'
import type { QuotaStore } from './quota'

interface Watch {
  ctx: RequestContext
  requestId: string
  res: ServerResponse
  renew: NodeJS.Timeout
}

/**
 * How a revocation reaches streams already open. The component that holds a
 * stream on the gateway side (the streaming proxy or the service in front of
 * the provider) opens GET /v1/streams/watch for it, an SSE stream. Whenever a
 * new policy version is applied, every watch is judged again; a revoked
 * caller's watch gets `event: revoked` at once and is closed, and the holder
 * cuts its stream (end_reason cut_by_policy). While the watch is open the
 * stream's lease is renewed, so a long stream keeps its slot and a stream
 * whose holder died frees it when the lease runs out.
 */
export class StreamWatches {
  private watches = new Set<Watch>()
  cut = 0

  constructor(
    private readonly enforcer: PolicyEnforcer,
    private readonly quotas: QuotaStore,
    private readonly streamLeaseMs: number,
  ) {
    enforcer.onApplied(() => this.judgeAll())
  }

  get open(): number {
    return this.watches.size
  }

  /** Whether a caller may keep streaming now (the one-shot check for gateways that poll). */
  allowed(ctx: RequestContext): boolean {
    return !this.enforcer.revokes(ctx, Date.now())
  }

  watch(ctx: RequestContext, requestId: string, res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
    const w: Watch = {
      ctx,
      requestId,
      res,
      renew: setInterval(
        () => {
          void this.quotas.renew(ctx.installId, requestId, this.streamLeaseMs).catch(() => {})
          res.write(': alive\n\n')
        },
        Math.max(250, Math.floor(this.streamLeaseMs / 3)),
      ),
    }
    this.watches.add(w)
    res.on('close', () => this.drop(w))
    if (!this.judge(w)) res.write('event: ok\ndata: {}\n\n')
  }

  private drop(w: Watch) {
    clearInterval(w.renew)
    this.watches.delete(w)
  }

  /** True if the watch was cut. */
  private judge(w: Watch): boolean {
    if (!this.enforcer.revokes(w.ctx, Date.now())) return false
    this.cut++
    w.res.end(`event: revoked\ndata: ${JSON.stringify({ request_id: w.requestId, rule_kind: 'revoked', policy_version: this.enforcer.version })}\n\n`)
    this.drop(w)
    return true
  }

  judgeAll() {
    for (const w of [...this.watches]) this.judge(w)
  }

  closeAll() {
    for (const w of [...this.watches]) {
      w.res.end()
      this.drop(w)
    }
  }
}
