import { describe, expect, it } from 'vitest'
import { isPageKey } from '../../components/hooks/useDashboardParams'
import { tileError } from '../../components/ui/StatTile'

describe('page keys cleared when tenant or range changes', () => {
  it('matches every table page key and nothing else', () => {
    for (const k of ['tsPage', 'cbPage', 'pbPage', 'fmPage', 'dlPage', 'evPage', 'alertsPage']) expect(isPageKey(k), k).toBe(true)
    for (const k of ['range', 'tenant', 'from', 'to', 'live', 'cbSort', 'pbDir', 'alert', 'pbRow', 'page', 'spendBy', 'evType'])
      expect(isPageKey(k), k).toBe(false)
  })
})

describe('stat tile error', () => {
  it('only when the query failed with nothing to show', () => {
    const err = new Error('boom')
    expect(tileError({ error: err, data: undefined })).toBe(err)
    // A failed refetch keeps the last value on screen.
    expect(tileError({ error: err, data: { x: 1 } })).toBeNull()
    expect(tileError({ error: null, data: undefined })).toBeNull()
  })
})
