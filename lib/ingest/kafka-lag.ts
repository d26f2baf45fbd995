import type { Admin } from 'kafkajs'
import type { PartitionLag } from './health'

/** Per partition of `topic`: what the group committed, the high watermark, and the gap between them. */
export async function groupLag(admin: Admin, topic: string, groupId: string): Promise<PartitionLag[]> {
  const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })])
  const committedByPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [])
  return high
    .map((h) => {
      const hw = Number(h.high)
      const c = Math.max(0, committedByPartition.get(h.partition) ?? 0)
      return { topic, partition: h.partition, committedOffset: c, highWatermark: hw, lag: Math.max(0, hw - c) }
    })
    .sort((a, b) => a.partition - b.partition)
}
