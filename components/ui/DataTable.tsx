'use client'
import type { ReactNode } from 'react'

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
  page?: { page: number; pageSize: number; total: number; onPage: (page: number) => void }
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
export function DataTable<Row>({ columns, rows, rowKey, sort, onSort, page, onRowClick, selectedKey, caption, testId }: DataTableProps<Row>) {
  const toggle = (key: string) => {
    if (!onSort) return
    onSort(sort?.sort === key ? { sort: key, dir: sort.dir === 'desc' ? 'asc' : 'desc' } : { sort: key, dir: 'desc' })
  }
  const pages = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1
  return (
    <div>
      <div className="table-wrap">
        <table className="data" data-testid={testId}>
          {caption && <caption className="muted small" style={{ textAlign: 'left', padding: '4px 10px' }}>{caption}</caption>}
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
                    ) : c.header}
                  </th>
                )
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const key = rowKey(row)
              return (
                <tr key={key} className={selectedKey === key ? 'selected' : undefined} onClick={onRowClick ? () => onRowClick(row) : undefined}
                  style={onRowClick ? { cursor: 'pointer' } : undefined}>
                  {columns.map((c) => (
                    <td key={c.key} className={c.numeric ? 'r' : undefined}>{c.render(row)}</td>
                  ))}
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {page && (
        <div className="pager">
          <span data-testid={testId ? `${testId}-total` : undefined}>
            {page.total === 0 ? 'No rows' : `${page.page * page.pageSize + 1}–${Math.min(page.total, (page.page + 1) * page.pageSize)} of ${page.total.toLocaleString('en-US')}`}
          </span>
          <span className="row gap">
            <button type="button" className="btn small" disabled={page.page === 0} onClick={() => page.onPage(page.page - 1)} aria-label="Previous page">‹ Prev</button>
            <span>Page {page.page + 1} / {pages}</span>
            <button type="button" className="btn small" disabled={page.page + 1 >= pages} onClick={() => page.onPage(page.page + 1)} aria-label="Next page">Next ›</button>
          </span>
        </div>
      )}
    </div>
  )
}
