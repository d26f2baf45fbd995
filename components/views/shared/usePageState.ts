'use client'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import type { SortState } from '../../ui/DataTable'

/**
 * Sort and page of one table, kept in the URL under a prefix so a shared
 * link opens the same page of the same ordering.
 */
export function usePageState(prefix: string, defaults: SortState) {
  const { search, setParams } = useDashboardParams()
  const sort = search.get(`${prefix}Sort`) ?? defaults.sort
  const dir = (search.get(`${prefix}Dir`) ?? defaults.dir) === 'asc' ? 'asc' : 'desc'
  const page = Math.max(0, Number(search.get(`${prefix}Page`) ?? 0) || 0)
  return {
    sort,
    dir: dir as 'asc' | 'desc',
    page,
    onSort: (s: SortState) => setParams({ [`${prefix}Sort`]: s.sort, [`${prefix}Dir`]: s.dir, [`${prefix}Page`]: null }),
    onPage: (p: number) => setParams({ [`${prefix}Page`]: p || null }),
  }
}
