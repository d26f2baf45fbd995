import { randomUUID } from 'node:crypto'
import type { Store } from '../clickhouse/client'

/**
 * A gateway's acknowledgement over HTTP, stored exactly like a policy_ack
 * event from the ingest topic, so time-to-enforce reads one place.
 */
export async function recordAck(store: Store, gatewayId: string, version: number, atMs = Date.now()): Promise<void> {
  await store.client.insert({
    table: `${store.database}.events`,
    values: [
      {
        ts: atMs,
        event_id: `ack-${randomUUID()}`,
        type: 'policy_ack',
        tenant_id: '_gateway',
        gateway_id: gatewayId,
        policy_version: version,
        cost_source: 'none',
        src_topic: 'http',
        src_partition: 0,
        src_offset: 0,
      },
    ],
    format: 'JSONEachRow',
  })
}
