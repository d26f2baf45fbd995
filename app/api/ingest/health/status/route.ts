import { overallIngestStatus, registeredMetrics } from '@/lib/ingest/health'
import { route } from '@/lib/http/route'
import { ingestInstances } from '@/lib/queries/ingest-instances'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * For probes: 200 `{status:"ok"}` or 503 `{status:"error", problems:[…]}` when
 * a partition is stuck or a Kafka consumer is down in any ingest process
 * (docs/kafka.md). Same role as the health page; a gateway token works as a bearer.
 */
export const GET = route({ role: 'viewer' }, async () => {
  const instances = await ingestInstances(await appStore())
  const verdict = overallIngestStatus(registeredMetrics()?.snapshot() ?? null, instances)
  return Response.json(verdict, { status: verdict.status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } })
})
