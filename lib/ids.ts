import { randomUUID } from 'node:crypto'
import { z } from 'zod'

/**
 * The one id pattern of the records the product creates: alerts, incidents, audit entries and policy
 * proposals are each named by a random UUID (v4) when created, and every route that takes such an id
 * in its path or query validates it with `recordIdSchema`, so a malformed id is a 400 before any read.
 */
export function newRecordId(): string {
  return randomUUID()
}

export const recordIdSchema = z.uuid()
