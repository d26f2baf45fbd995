import type { ReactNode } from 'react'

interface StatTileProps {
  label: string
  value: ReactNode
  hint?: ReactNode
  tone?: 'ok' | 'warn' | 'crit'
  /** Stable hook for tests and deep links. */
  id?: string
  loading?: boolean
  /**
   * The tile's query failed with nothing to show: the tile says so instead of
   * staying blank. Pair it with one <ErrorState> for the tile row (as
   * QueryPanel does per panel) so the message and the sign-in link are there once.
   */
  error?: Error | null
}

/** The error a tile should show: only when there is no data at all (a failed refetch keeps the old value). */
export function tileError(q: { error: Error | null; data?: unknown }): Error | null {
  return q.error && q.data === undefined ? q.error : null
}

export function StatTile({ label, value, hint, tone, id, loading, error }: StatTileProps) {
  if (error) {
    return (
      <div className="tile" data-tile={id} data-state="error" title={error.message}>
        <div className="label" title={label}>
          {label}
        </div>
        <div className="value" data-value style={{ color: 'var(--muted)' }}>
          –
        </div>
        <div className="hint" style={{ color: 'var(--crit)' }}>
          Could not load
        </div>
      </div>
    )
  }
  return (
    <div className={`tile ${tone ?? ''}`} data-tile={id} aria-busy={loading || undefined}>
      <div className="label" title={label}>
        {label}
      </div>
      <div className="value" data-value>
        {loading ? <span className="skeleton" style={{ display: 'inline-block', width: 90, height: 24 }} /> : value}
      </div>
      {hint && <div className="hint">{hint}</div>}
    </div>
  )
}
