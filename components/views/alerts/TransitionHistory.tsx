'use client'
import { dateTime, zoneName } from '@/lib/format'
import { Panel } from '../../ui/Panel'

/** The fields an alert's and an incident's transitions share. */
export interface HistoryEntry {
  at: number
  from_state: string
  to_state: string
  actor: string
  action: string
  note: string
}

/**
 * The History panel of an alert or an incident: who did what, when. Actor and note are user-sent text, rendered as
 * React text (escaped). `id` names the panel and its list (`${id}-history`) for links and tests.
 */
export function TransitionHistory({ id, lastSeen, transitions }: { id: 'alert' | 'incident'; lastSeen: number; transitions: readonly HistoryEntry[] }) {
  return (
    <Panel id={`${id}-history`} title="History" sub={`times in ${zoneName(lastSeen)}`} flush>
      <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid={`${id}-history`}>
        {transitions.map((t) => (
          <li key={`${t.at}-${t.to_state}-${t.action}-${t.note}`} className="list-item" style={{ cursor: 'default' }}>
            <span>
              <b>{t.action}</b>{' '}
              <span className="muted">
                {t.from_state} → {t.to_state}
              </span>{' '}
              by {t.actor}
            </span>
            <span className="muted small">
              {dateTime(t.at)}
              {t.note ? ` · ${t.note}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </Panel>
  )
}
