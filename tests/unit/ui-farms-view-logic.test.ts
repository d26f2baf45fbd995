import { describe, expect, it } from 'vitest'
import { memberCap, missingClusterMessage, partialSumNote, selectCluster } from '@/components/views/farms/view-logic'

const rows = [{ cluster_id: 't1:farm-aaaaaaaaaa' }, { cluster_id: 't1:farm-bbbbbbbbbb' }]

describe('selectCluster', () => {
  it('shows the named cluster when it is loaded', () => {
    expect(selectCluster(rows, 't1:farm-bbbbbbbbbb')).toEqual({ kind: 'selected', cluster: rows[1] })
  })

  it('opens the top-ranked cluster only when none is named', () => {
    expect(selectCluster(rows, null)).toEqual({ kind: 'default', cluster: rows[0] })
    expect(selectCluster(rows, '')).toEqual({ kind: 'default', cluster: rows[0] })
    expect(selectCluster([], undefined)).toEqual({ kind: 'none' })
  })

  it('never falls back to another cluster when the named one is absent', () => {
    const s = selectCluster(rows, 't1:farm-cccccccccc')
    expect(s).toEqual({ kind: 'missing', requested: 't1:farm-cccccccccc' })
    expect(selectCluster([], 't1:farm-cccccccccc')).toEqual({ kind: 'missing', requested: 't1:farm-cccccccccc' })
  })

  it('does not call a named cluster missing while the ranking is still loading', () => {
    expect(selectCluster(rows, 't1:farm-cccccccccc', true)).toEqual({ kind: 'none' })
    // …but a loaded hit is shown even from kept-previous rows.
    expect(selectCluster(rows, 't1:farm-aaaaaaaaaa', true)).toEqual({ kind: 'selected', cluster: rows[0] })
  })
})

describe('missingClusterMessage', () => {
  it('says the cluster is not in the window, and suggests a longer range', () => {
    expect(missingClusterMessage('t1:farm-cccccccccc', 2, 2)).toBe('Cluster t1:farm-cccccccccc is not in this window (try a longer range).')
  })
  it('says only the top rows were loaded when the ranking has more', () => {
    expect(missingClusterMessage('x:farm-0123456789', 100, 340)).toMatch(/not among the top 100 of 340 clusters/)
  })
})

describe('partialSumNote', () => {
  it('is null when the loaded rows are the whole ranking', () => {
    expect(partialSumNote(12, 12)).toBeNull()
    expect(partialSumNote(0, 0)).toBeNull()
  })
  it('labels sums over a truncated ranking', () => {
    expect(partialSumNote(100, 1234)).toEqual({ label: 'top 100 clusters', hint: 'sum over the 100 highest-scoring of 1,234 clusters' })
  })
})

describe('memberCap', () => {
  it('says all members when the list is complete', () => {
    expect(memberCap({ members: ['a', 'b'], size: 2 })).toEqual({ n: 2, capped: false, of: 'all 2 members' })
  })
  it('names the cap and what the capped subset is', () => {
    const members = Array.from({ length: 500 }, (_, i) => `i${i}`)
    expect(memberCap({ members, size: 1234 })).toEqual({ n: 500, capped: true, of: 'the first 500 of 1,234 members (by install id)' })
  })
})
