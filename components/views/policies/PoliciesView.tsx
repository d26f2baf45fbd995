'use client'
import { useState } from 'react'
import { useMe } from '@/components/hooks/useMe'
import { useDecideProposal, usePolicy, usePolicyHistory, useUndoChange } from '@/components/hooks/usePolicy'
import { ActionPanel } from '@/components/policy/ActionPanel'
import { describeError } from '@/components/policy/errors'
import { Panel, QueryPanel } from '@/components/ui/Panel'
import type { Scope } from '@/lib/policy/types'
import { useEnforcers } from '@/components/hooks/useEnforcers'
import { EnforcersTable } from './EnforcersTable'
import { HistoryTable, RulesTable } from './PolicyTables'
import { CsvLink } from '@/components/ui/CsvLink'

/** Narrowest first: the order the scope picker offers them in. */
const SCOPE_CHOICES: Scope[] = ['install', 'feature', 'tenant', 'global']

/**
 * Current rules, history with propagation, pending approvals, and undo.
 * Rendered inside the Shell's <main>, so this is a <div>, not another <main>.
 */
export function PoliciesView() {
  const policy = usePolicy()
  const history = usePolicyHistory()
  const enforcers = useEnforcers()
  const me = useMe()
  const decide = useDecideProposal()
  const undo = useUndoChange()
  const [note, setNote] = useState<string | null>(null)
  const [scope, setScope] = useState<Scope>('install')
  const [subject, setSubject] = useState('')
  const role = me.role
  const canWrite = me.can('responder')
  // Mutations invalidate the policy, history and audit queries themselves; this only reports the outcome.
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn()
      setNote(ok)
    } catch (e) {
      setNote(describeError(e))
    }
  }
  const onUndo = (version: number) => {
    const reason = window.prompt(`Undo version ${version}: reason?`)
    if (reason) void act(() => undo.mutateAsync({ version, reason }), `undo of v${version} applied`)
  }
  return (
    <div className="grid" style={{ gap: 12 }}>
      <div className="page-head">
        <div>
          <h1>
            Policies{' '}
            <small className="muted" style={{ fontWeight: 400 }}>
              version {policy.data?.version ?? '…'}
            </small>
          </h1>
          <p>Rules the gateways enforce, every change with how fast it reached them, and undo.</p>
        </div>
        {role === 'viewer' && (
          <span className="muted small" data-testid="policies-readonly">
            Read-only: viewers cannot change policy
          </span>
        )}
      </div>
      {note && (
        <p data-testid="policies-note" role="status" style={{ margin: 0 }}>
          {note}
        </p>
      )}

      {policy.data?.proposals.length ? (
        <Panel id="policy-proposals" title="Waiting for a second admin">
          <ul className="reason-list">
            {policy.data.proposals.map((p) => (
              <li key={p.id} style={{ marginBottom: 4 }}>
                {p.author}: {p.request.action} {p.request.scope} — {p.reason}{' '}
                {role === 'admin' && (
                  <>
                    <button
                      type="button"
                      className="btn small primary"
                      disabled={decide.isPending}
                      onClick={() => act(() => decide.mutateAsync({ id: p.id, approve: true }), 'approved')}
                    >
                      Approve
                    </button>{' '}
                    <button
                      type="button"
                      className="btn small"
                      disabled={decide.isPending}
                      onClick={() => act(() => decide.mutateAsync({ id: p.id, approve: false }), 'rejected')}
                    >
                      Reject
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
        </Panel>
      ) : null}

      <QueryPanel
        id="policy-rules"
        title="Current rules"
        query={policy}
        flush
        height={120}
        actions={<CsvLink href="/api/policy/rules/export" testId="policy-rules-export" title="every current rule, controls as JSON" />}
      >
        {(d) => <RulesTable rules={d.rules} />}
      </QueryPanel>

      <QueryPanel
        id="policy-enforcers"
        title="Enforcers"
        sub="npm run enforcer replicas, from their acks"
        query={enforcers}
        flush
        height={80}
        actions={<CsvLink href="/api/policy/enforcers/export" testId="policy-enforcers-export" title="every replica seen in the last day" />}
      >
        {(d) => <EnforcersTable data={d} />}
      </QueryPanel>

      {canWrite && (
        <Panel id="policy-new" title="New rule">
          <div className="toolbar" style={{ marginBottom: 8 }}>
            <label className="select-label">
              Scope
              <select value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
                {SCOPE_CHOICES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label className="select-label">
              Subject
              <input
                value={scope === 'global' ? '*' : subject}
                disabled={scope === 'global'}
                onChange={(e) => setSubject(e.target.value.trim())}
                placeholder={scope === 'feature' ? 'tenant/feature' : `${scope} id`}
              />
            </label>
          </div>
          {(scope === 'global' || subject) && <ActionPanel key={`${scope}:${subject}`} scope={scope} subject={scope === 'global' ? '*' : subject} />}
        </Panel>
      )}

      <QueryPanel
        id="policy-history"
        title="History and propagation"
        query={history}
        flush
        height={120}
        actions={<CsvLink href="/api/policy/history/export" testId="policy-history-export" title="the last 500 changes with their propagation" />}
      >
        {(d) => <HistoryTable changes={d.changes} onUndo={canWrite ? onUndo : undefined} undoDisabled={undo.isPending} />}
      </QueryPanel>
    </div>
  )
}
