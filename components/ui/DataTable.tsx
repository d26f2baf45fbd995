'use client'
import type { KeyboardEvent, ReactNode } from 'react'

export interface Column<Row> {
  key: string
  header: string
  /** Right-aligned numeric column. */
  numeric?: boolean
  /** Column can be sorted server-side under this sort key. */
  sortable?: boolean
  render: (row: Row) => ReactNode
  title?: string
}

export interface SortState {
  sort: string
  dir: 'asc' | 'desc'
}

interface DataTableProps<Row> {
  columns: Column<Row>[]
  rows: Row[]
  rowKey: (row: Row) => string
  sort?: SortState
  onSort?: (s: SortState) => void
  /** The page the API returned (offset and limit, the API's one paging shape); onPage gets a page index. */
  page?: { offset: number; limit: number; total: number; onPage: (page: number) => void }
  onRowClick?: (row: Row) => void
  selectedKey?: string
  caption?: string
  testId?: string
}

/**
 * A table whose sort and pagination happen on the server: clicking a header
 * or a page button calls back with the new state; the rows shown are exactly
 * what the API returned.
 */
export function DataTable<Row>({ columns, rows, rowKey, sort, onSort, page: served, onRowClick, selectedKey, caption, testId }: DataTableProps<Row>) {
  const page = served && { ...served, page: Math.floor(served.offset / served.limit), pageSize: served.limit }
  const toggle = (key: string) => {
    if (!onSort) return
    onSort(sort?.sort === key ? { sort: key, dir: sort.dir === 'desc' ? 'asc' : 'desc' } : { sort: key, dir: 'desc' })
  }
  const pages = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1
  // A URL can point past the last page (the data shrank, or the link is old): say so and offer a way back.
  const pastEnd = !!page && page.page > 0 && page.page >= pages
  const rowKeys = (row: Row) => (e: KeyboardEvent<HTMLTableRowElement>) => {
    // Only the row itself: Enter on a link or button inside it keeps its own meaning.
    if (e.target !== e.currentTarget || (e.key !== 'Enter' && e.key !== ' ')) return
    e.preventDefault()
    onRowClick?.(row)
  }
  return (
    <div>
      <div className="table-wrap">
        <table className="data" data-testid={testId}>
          {caption && (
            <caption className="muted small" style={{ textAlign: 'left', padding: '4px 10px' }}>
              {caption}
            </caption>
          )}
          <thead>
            <tr>
              {columns.map((c) => {
                const sorted = sort?.sort === c.key
                const aria = sorted ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined
                return (
                  <th key={c.key} className={`${c.numeric ? 'r' : ''} ${sorted ? 'sorted' : ''}`} aria-sort={aria} title={c.title} scope="col">
                    {c.sortable && onSort ? (
                      <button type="button" onClick={() => toggle(c.key)}>
                        {c.header}
                        <span aria-hidden>{sorted ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
                      </button>
                    ) : (
                      c.header
                    )}
                  </th>
                )
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const key = rowKey(row)
              // Clickable rows are focusable and answer Enter/Space like a button; selection is announced.
              return (
                <tr
                  key={key}
                  className={selectedKey === key ? 'selected' : undefined}
                  onClick={onRowClick ? () => onRowClick(row) : undefined}
                  onKeyDown={onRowClick ? rowKeys(row) : undefined}
                  tabIndex={onRowClick ? 0 : undefined}
                  aria-selected={onRowClick && selectedKey !== undefined ? selectedKey === key : undefined}
                  style={onRowClick ? { cursor: 'pointer' } : undefined}
                >
                  {columns.map((c) => (
                    <td key={c.key} className={c.numeric ? 'r' : undefined}>
                      {c.render(row)}
                    </td>
                  ))}
                </tr>
              )
            })}
            {pastEnd && page && (
              <tr>
                <td colSpan={columns.length} className="muted" style={{ textAlign: 'center', padding: 16 }} data-state="past-end">
                  Page {page.page + 1} is past the end: there {pages === 1 ? 'is 1 page' : `are ${pages} pages`}.{' '}
                  <button type="button" className="btn small" onClick={() => page.onPage(0)}>
                    Back to first page
                  </button>
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {page && (
        <div className="pager">
          <span data-testid={testId ? `${testId}-total` : undefined}>
            {page.total === 0
              ? 'No rows'
              : pastEnd
                ? `past the end of ${page.total.toLocaleString('en-US')}`
                : `${page.page * page.pageSize + 1}–${Math.min(page.total, (page.page + 1) * page.pageSize)} of ${page.total.toLocaleString('en-US')}`}
          </span>
          <span className="row gap">
            <button
              type="button"
              className="btn small"
              disabled={page.page === 0}
              onClick={() => page.onPage(pastEnd ? pages - 1 : page.page - 1)}
              aria-label="Previous page"
            >
              ‹ Prev
            </button>
            <span>
              Page {page.page + 1} / {pages}
            </span>
            <button type="button" className="btn small" disabled={page.page + 1 >= pages} onClick={() => page.onPage(page.page + 1)} aria-label="Next page">
              Next ›
            </button>
          </span>
        </div>
      )}
    </div>
  )
}
