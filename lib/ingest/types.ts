/** A message as any source hands it to the pipeline, with its position in that source. */
export interface SourceMessage {
  topic: string
  partition: number
  offset: number
  key: string | null
  value: Buffer | null
}

/** One stored event, derived from the column declaration (event-columns.ts). */
export type { EventRow } from './event-columns'

export interface DeadLetterRow {
  received_at: number
  src_topic: string
  src_partition: number
  src_offset: number
  message_key: string
  reason: string
  error: string
  payload: string
  payload_bytes: number
}
