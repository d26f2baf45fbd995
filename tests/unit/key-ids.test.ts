import { describe, expect, it } from 'vitest'
import { KeyIds, remapIds } from '../../lib/detection/key-ids'

describe('dense key ids for kept minutes', () => {
  it('gives each key one id, in order of first sight', () => {
    const ids = new KeyIds()
    expect([ids.id('a'), ids.id('b'), ids.id('a'), ids.id('c')]).toEqual([0, 1, 0, 2])
    expect(ids.size).toBe(3)
    expect(ids.keys).toEqual(['a', 'b', 'c'])
  })

  it('drops the dead ids once most are dead, and the holders remap theirs to the same keys', () => {
    const ids = new KeyIds()
    for (let i = 0; i < 3000; i++) ids.id(`k${i}`)
    // Two thirds alive: nothing to gain yet.
    expect(ids.compact((i) => i % 3 !== 0)).toBeNull()
    const held = Int32Array.from([5, 2999, 11])
    const remap = ids.compact((i) => i % 3 === 2)!
    expect(ids.size).toBe(1000)
    const moved = remapIds(held, remap)
    expect([...moved].map((i) => ids.keys[i])).toEqual(['k5', 'k2999', 'k11'])
    // Ids of keys seen later follow on, and old keys keep their new ids.
    expect(ids.id('new')).toBe(1000)
    expect(ids.id('k5')).toBe(moved[0])
  })

  it('gives the parts of each key, the same after ids are compacted', () => {
    const ids = new KeyIds()
    for (let i = 0; i < 3000; i++) ids.id(`t${i % 7}\u0000i-${i}`)
    expect(ids.parts(5)).toEqual(['t5', 'i-5'])
    const remap = ids.compact((i) => i % 3 === 2)!
    expect(ids.parts(remap[5])).toEqual(['t5', 'i-5'])
    expect(ids.parts(remap[2999])).toEqual(['t3', 'i-2999'])
    expect(ids.parts(ids.id('a\u0000b\u0000c'))).toEqual(['a', 'b', 'c'])
  })
})
