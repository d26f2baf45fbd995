'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { ApiError } from '../hooks/api'

interface PanelProps {
  title: ReactNode
  sub?: ReactNode
  actions?: ReactNode
  className?: string
  flush?: boolean
  children: ReactNode
  id?: string
}

export function Panel({ title, sub, actions, className, flush, children, id }: PanelProps) {
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={id ? `${id}-title` : undefined} data-panel={id}>
      <div className="panel-head">
        <h2 id={id ? `${id}-title` : undefined}>
          {title}
          {sub && <span className="sub">{sub}</span>}
        </h2>
        {actions && <div className="row gap">{actions}</div>}
      </div>
      <div className={`panel-body ${flush ? 'flush' : ''}`}>{children}</div>
    </section>
  )
}

/** `compact`: one line above a row of tiles rather than a panel-sized block. */
export function ErrorState({ error, compact }: { error: Error; compact?: boolean }) {
  const style = compact ? { minHeight: 0, padding: '6px 10px', placeItems: 'start' } : undefined
  if (error instanceof ApiError && error.status === 401) {
    const next = typeof window === 'undefined' ? '/' : window.location.pathname + window.location.search
    return (
      <div className="state error" role="alert" style={style}>
        Your session has expired. <a href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</a>
      </div>
    )
  }
  return (
    <div className="state error" role="alert" style={style}>
      Could not load: {error.message}
    </div>
  )
}

/** One message for a row of tiles fed by several queries: the first failure without data, once. */
export function TileErrors({ errors }: { errors: (Error | null)[] }) {
  const first = errors.find((e): e is Error => !!e)
  return first ? <ErrorState error={first} compact /> : null
}

export function EmptyState({ children = 'No data in this time range' }: { children?: ReactNode }) {
  return (
    <div className="state" data-state="empty">
      {children}
    </div>
  )
}

export function LoadingState({ height = 200 }: { height?: number }) {
  return <div className="skeleton" style={{ height }} aria-busy="true" aria-label="Loading" data-state="loading" />
}

interface QueryPanelProps<T> extends Omit<PanelProps, 'children'> {
  query: UseQueryResult<T, Error>
  isEmpty?: (data: T) => boolean
  empty?: ReactNode
  height?: number
  children: (data: T) => ReactNode
}

/**
 * A panel bound to one query: skeleton while the first load runs, an error
 * or empty message when there is nothing to show, else the content. On a
 * refetch the old content stays and a dot shows activity (no flicker).
 */
export function QueryPanel<T>({ query, isEmpty, empty, height = 200, children, ...panel }: QueryPanelProps<T>) {
  const { data, error, isPending, isFetching, isPlaceholderData } = query
  let body: ReactNode
  if (isPending) body = <LoadingState height={height} />
  else if (error && !data) body = <ErrorState error={error} />
  else if (data === undefined || (isEmpty && isEmpty(data)))
    body = (
      <div style={{ minHeight: height, display: 'grid' }}>
        <EmptyState>{empty}</EmptyState>
      </div>
    )
  else body = children(data)
  return (
    <Panel {...panel}>
      {(isFetching || isPlaceholderData) && !isPending && <span className="refetching" aria-hidden />}
      {error && data !== undefined && (
        <div className="small" style={{ color: 'var(--crit)' }}>
          Refresh failed: {error.message}
        </div>
      )}
      {body}
    </Panel>
  )
}
