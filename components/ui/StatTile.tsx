import type { ReactNode } from 'react'

interface StatTileProps {
  label: string
  value: ReactNode
  hint?: ReactNode
  tone?: 'ok' | 'warn' | 'crit'
  /** Stable hook for tests and deep links. */
  id?: string
  loading?: boolean
}

export function StatTile({ label, value, hint, tone, id, loading }: StatTileProps) {
  return (
    <div className={`tile ${tone ?? ''}`} data-tile={id} aria-busy={loading || undefined}>
      <div className="label" title={label}>{label}</div>
      <div className="value" data-value>{loading ? <span className="skeleton" style={{ display: 'inline-block', width: 90, height: 24 }} /> : value}</div>
      {hint && <div className="hint">{hint}</div>}
    </div>
  )
}
