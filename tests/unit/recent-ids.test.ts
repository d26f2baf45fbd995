import { describe, expect, it } from 'vitest'
import { RecentIds } from '../../lib/ingest/recent-ids'

describe('RecentIds', () => {
  it('reports a repeated id as seen, once remembered', () => {
    const ids = new RecentIds(10)
    expect(ids.seen('a')).toBe(false)
    expect(ids.seen('a')).toBe(true)
    expect(ids.seen('b')).toBe(false)
  })

  it('always remembers the last `capacity` ids and never holds more than twice that', () => {
    const capacity = 1_000
    const ids = new RecentIds(capacity)
    for (let i = 0; i < 10 * capacity + 7; i++) {
      ids.seen(`id-${i}`)
      expect(ids.size).toBeLessThanOrEqual(2 * capacity)
    }
    const last = 10 * capacity + 6
    for (let i = last; i > last - capacity; i--) expect(ids.seen(`id-${i}`)).toBe(true)
    expect(ids.seen('id-0')).toBe(false)
  })

  it('forgets an id in either generation, so a replayed range is not taken for duplicates', () => {
    const ids = new RecentIds(2)
    ids.seen('old')
    ids.seen('x')
    ids.seen('new') // 'old' and 'x' are now the previous generation
    ids.forget('old')
    ids.forget('new')
    expect(ids.seen('old')).toBe(false)
    expect(ids.seen('new')).toBe(false)
    expect(ids.seen('x')).toBe(true)
  })
})

describe('RecentIds under churn', () => {
  it('keeps answering after many ids are forgotten without a generation change', () => {
    const ids = new RecentIds(1_000)
    // Far more deletions than the table has slots: a table that never reclaimed
    // its deletion marks would fill up and probe forever.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 900; i++) expect(ids.seen(`r${round}-${i}`)).toBe(false)
      for (let i = 0; i < 900; i++) ids.forget(`r${round}-${i}`)
      expect(ids.size).toBe(0)
    }
    expect(ids.seen('r49-1')).toBe(false)
    expect(ids.seen('r49-1')).toBe(true)
  })

  it('tells apart a million distinct ids that differ in one character', () => {
    const ids = new RecentIds(1_100_000)
    let falsePositives = 0
    for (let i = 0; i < 1_000_000; i++) if (ids.seen(`0b6f4c1e-9a3d-4c8e-8f2a-${i.toString(16).padStart(12, '0')}`)) falsePositives++
    expect(falsePositives).toBe(0)
    expect(ids.size).toBe(1_000_000)
  })
})
