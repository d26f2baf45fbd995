'use client'
import { useState } from 'react'
import { dateTime, zoneName } from '@/lib/format'
import { ALLOWED_FROM, type Alert, type AlertAction, type AlertState } from '@/lib/alerts/types'
import { useMe } from '../../hooks/useMe'

const SNOOZES: [string, number][] = [
  ['1 h', 3_600_000],
  ['4 h', 4 * 3_600_000],
  ['24 h', 86_400_000],
]

/** What alerts and incidents share (Incident has the same fields): their state and who moved it when. */
type LifecycleFields = Pick<
  Alert,
  'state' | 'first_seen' | 'last_seen' | 'acknowledged_by' | 'acknowledged_at' | 'snoozed_until' | 'resolved_at' | 'resolved_by'
>

/** The Seen / Acknowledged / Snoozed / Resolved rows of a `dl.kv`. */
export function LifecycleFacts({ item }: { item: LifecycleFields }) {
  return (
    <>
      <dt>Seen</dt>
      <dd>
        {dateTime(item.first_seen)} → {dateTime(item.last_seen)} <span className="muted small">{zoneName(item.last_seen)}</span>
      </dd>
      {item.acknowledged_by && (
        <>
          <dt>Acknowledged</dt>
          <dd>
            {item.acknowledged_by} at {dateTime(item.acknowledged_at ?? 0)}
          </dd>
        </>
      )}
      {item.snoozed_until && item.state === 'snoozed' && (
        <>
          <dt>Snoozed until</dt>
          <dd>{dateTime(item.snoozed_until)}</dd>
        </>
      )}
      {item.resolved_at && (
        <>
          <dt>Resolved</dt>
          <dd>
            {item.resolved_by} at {dateTime(item.resolved_at)}
          </dd>
        </>
      )}
    </>
  )
}

/**
 * Acknowledge, resolve, snooze and reopen, offered exactly where the server allows them (ALLOWED_FROM), with an
 * optional note. Transitions need responder: a viewer gets a read-only line instead of buttons that can only fail; if /me itself
 * failed, the buttons are offered and the server decides rather than lock a responder out.
 */
export function LifecycleActions(props: {
  /** 'Alert' or 'Incident': names the toolbar and the read-only line's test id. */
  noun: 'Alert' | 'Incident'
  state: AlertState
  /** The transition mutation of the alert or incident. */
  transition: {
    isPending: boolean
    error: Error | null
    mutate: (req: { action: AlertAction; until?: number; note?: string }, opts: { onSuccess: () => void }) => void
  }
}) {
  const { noun, state, transition } = props
  const me = useMe()
  const canAct = me.role ? me.can('responder') : !!me.error
  const [note, setNote] = useState('')
  const pending = transition.isPending
  const act = (action: AlertAction, until?: number) => transition.mutate({ action, until, note: note || undefined }, { onSuccess: () => setNote('') })
  const may = (action: AlertAction) => ALLOWED_FROM[action].includes(state)
  return (
    <>
      {canAct ? (
        <div className="toolbar" role="group" aria-label={`${noun} actions`}>
          {may('acknowledge') && (
            <button type="button" className="btn primary" onClick={() => act('acknowledge')} disabled={pending}>
              Acknowledge
            </button>
          )}
          {may('resolve') && (
            <button type="button" className="btn" onClick={() => act('resolve')} disabled={pending}>
              Resolve
            </button>
          )}
          {may('snooze') &&
            SNOOZES.map(([label, ms]) => (
              <button key={label} type="button" className="btn" onClick={() => act('snooze', Date.now() + ms)} disabled={pending}>
                Snooze {label}
              </button>
            ))}
          {may('reopen') && (
            <button type="button" className="btn" onClick={() => act('reopen')} disabled={pending}>
              Reopen
            </button>
          )}
          <input aria-label="Note" placeholder="note (optional)" value={note} onChange={(e) => setNote(e.target.value)} style={{ minWidth: 160 }} />
        </div>
      ) : (
        me.role && (
          <p className="muted small" style={{ margin: 0 }} data-testid={`${noun.toLowerCase()}-actions-readonly`}>
            Read only: acknowledging, resolving and snoozing need the responder role (you are {me.role}).
          </p>
        )
      )}
      {transition.error && (
        <div role="alert" style={{ color: 'var(--crit)' }}>
          {transition.error.message}
        </div>
      )}
    </>
  )
}
