import { selectRows } from '../clickhouse/select'
import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import type { ChangeRequest } from './types'
import { newRecordId, recordIdSchema } from '../ids'

export interface Proposal {
  id: string
  createdAt: number
  author: string
  reason: string
  request: ChangeRequest
  status: 'pending' | 'approved' | 'rejected'
  decidedBy: string
  appliedVersion: number
}

interface Row {
  id: string
  created_at: string | number
  author: string
  reason: string
  request: string
  status: string
  decided_by: string
  applied_version: string | number
}

async function write(store: Store, p: Proposal) {
  await store.client.insert({
    table: `${store.database}.policy_proposals`,
    values: [
      {
        id: p.id,
        created_at: p.createdAt,
        author: p.author,
        reason: p.reason,
        request: JSON.stringify(p.request),
        status: p.status,
        decided_by: p.decidedBy,
        decided_at: p.status === 'pending' ? 0 : Date.now(),
        applied_version: p.appliedVersion,
        updated_at: Date.now(),
      },
    ],
    format: 'JSONEachRow',
  })
}

/** Proposal ids are random UUIDs; a route checks a path segment against this before querying. */
export const proposalIdSchema = recordIdSchema

/** A global change waiting for a second admin (POLICY_SECOND_APPROVER=1); built first so its audit entry can name it. */
export function newProposal(author: string, request: ChangeRequest): Proposal {
  return { id: newRecordId(), createdAt: Date.now(), author, reason: request.reason, request, status: 'pending', decidedBy: '', appliedVersion: 0 }
}

export async function createProposal(store: Store, p: Proposal): Promise<Proposal> {
  await write(store, p)
  return p
}

export async function listProposals(store: Store, opts: { id?: string; status?: Proposal['status'] } = {}): Promise<Proposal[]> {
  return (
    await selectRows<Row>(
      store,
      `SELECT id, toUnixTimestamp64Milli(created_at) AS created_at, author, reason, request, status, decided_by, applied_version
      FROM ${store.database}.policy_proposals FINAL
      WHERE ({id:String} = '' OR id = {id:String}) AND ({status:String} = '' OR status = {status:String})
      ORDER BY created_at DESC LIMIT 200`,
      { id: opts.id ?? '', status: opts.status ?? '' },
    )
  ).map((r) => ({
    id: r.id,
    createdAt: Number(r.created_at),
    author: r.author,
    reason: r.reason,
    request: JSON.parse(r.request) as ChangeRequest,
    status: r.status as Proposal['status'],
    decidedBy: r.decided_by,
    appliedVersion: Number(r.applied_version),
  }))
}

export async function decideProposal(store: Store, p: Proposal, status: 'approved' | 'rejected', by: string, appliedVersion = 0): Promise<Proposal> {
  const decided = { ...p, status, decidedBy: by, appliedVersion }
  await write(store, decided)
  return decided
}
