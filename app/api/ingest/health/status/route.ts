import { getPrincipal } from '@/lib/auth/session'
import { livePrincipal } from '@/lib/auth/session-live'
import { hasRole } from '@/lib/auth/roles'
import { overallIngestStatus, registeredMetrics } from '@/lib/ingest/health'
import { ingestInstances } from '@/lib/queries/ingest-instances'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * For probes and load balancers: 200 `{"status":"ok"}` or 503
 * `{"status":"error"}` when a partition is stuck or a Kafka consumer is down in
 * any ingest process, or the store cannot be read (docs/kafka.md). Answered
 * without a session, like any liveness check, so it says nothing more than
 * ok/error; a signed-in viewer also gets `problems` (topics, offsets, errors).
 */
export async function GET(req: Request): Promise<Response> {
  let verdict: { status: 'ok' | 'error'; problems: string[] }
  let viewer = false
  try {
    const store = await appStore()
    verdict = overallIngestStatus(registeredMetrics()?.snapshot() ?? null, await ingestInstances(store))
    const claimed = await getPrincipal(req)
    const principal = claimed?.session ? await livePrincipal(store, claimed) : claimed
    viewer = !!principal && hasRole(principal.role, 'viewer')
  } catch (err) {
    console.error(`[api] GET /api/ingest/health/status: ${err instanceof Error ? err.message : err}`)
    verdict = { status: 'error', problems: ['the store cannot be read'] }
  }
  const body = viewer ? verdict : { status: verdict.status }
  return Response.json(body, { status: verdict.status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } })
}
