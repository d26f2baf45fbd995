import { rangeQuery } from '@/lib/dashboard/params'
import type { IngestHealthResponse } from '@/lib/dashboard/types'
import { overallIngestStatus, registeredMetrics } from '@/lib/ingest/health'
import { route } from '@/lib/runtime/route'
import { ingestInstances } from '@/lib/queries/ingest-instances'
import { ingestThroughput } from '@/lib/queries/ingest-throughput'
import { newestEventTs } from '@/lib/queries/newest-event'
import { appStore } from '@/lib/runtime/app-runtime'

export const GET = route({ role: 'viewer', query: rangeQuery({}) }, async ({ query }): Promise<IngestHealthResponse> => {
  const store = await appStore()
  const [instances, throughput, newest] = await Promise.all([ingestInstances(store), ingestThroughput(store, query.window), newestEventTs(store)])
  const w = query.window
  const local = registeredMetrics()?.snapshot() ?? null
  return {
    from: w.fromMs,
    to: w.toMs,
    stepS: w.stepS,
    now: Date.now(),
    ...overallIngestStatus(local, instances),
    local,
    instances,
    throughput,
    newestEventTs: newest,
  }
})
