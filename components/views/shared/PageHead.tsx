'use client'
import type { ReactNode } from 'react'
import { dateTime, zoneName } from '@/lib/format'
import { PRESET_LABELS } from '@/lib/time-range'
import { useDashboardParams } from '../../hooks/useDashboardParams'

/** Page title plus the window and tenant being shown, so a screenshot says what it is. */
export function PageHead({ title, description, actions }: { title: string; description?: string; actions?: ReactNode }) {
  const { range, from, to, tenant } = useDashboardParams()
  const window = range === 'custom' && from !== undefined && to !== undefined ? `${dateTime(from)} → ${dateTime(to)} ${zoneName(to)}` : PRESET_LABELS[range]
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {description && <p>{description}</p>}
      </div>
      <div className="row gap">
        <span className="muted small" data-testid="window-label" suppressHydrationWarning>
          {window} · {tenant || 'all tenants'}
        </span>
        {actions}
      </div>
    </div>
  )
}
