import { describe, expect, it } from 'vitest'
import { KEPT_STATE_HORIZON_MS, KeptStates } from '../../lib/detection/kept-states'

const MIN = 60_000

describe('KeptStates: the per-store, per-tenant state detectors keep between runs', () => {
  it('returns what was kept, for the key it was kept under', () => {
    const kept = new KeptStates<string>()
    expect(kept.get('db\u0000', 0)).toBeUndefined()
    expect(kept.set('db\u0000', 'state', 0)).toBe('state')
    expect(kept.get('db\u0000', 30_000)).toBe('state')
    expect(kept.get('db\u0000t1', 30_000)).toBeUndefined()
  })

  it('drops a state that was not used within the horizon of a later call, whatever its key', () => {
    const kept = new KeptStates<string>(4, 120 * MIN)
    kept.set('old-store\u0000', 'a', 0)
    kept.set('live\u0000', 'b', 0)
    // The live store is used every 30 s; the old one never again.
    for (let t = 30_000; t <= 120 * MIN; t += 30_000) expect(kept.get('live\u0000', t)).toBe('b')
    expect(kept.size).toBe(2)
    expect(kept.get('live\u0000', 120 * MIN + 30_000)).toBe('b')
    expect(kept.size).toBe(1)
    expect(kept.get('old-store\u0000', 120 * MIN + 30_000)).toBeUndefined()
  })

  it('keeps at most `capacity` states, dropping the least recently used', () => {
    const kept = new KeptStates<number>(2)
    kept.set('a', 1, 0)
    kept.set('b', 2, 0)
    expect(kept.get('a', 1)).toBe(1) // a is now the most recently used
    kept.set('c', 3, 2)
    expect(kept.size).toBe(2)
    expect(kept.get('b', 3)).toBeUndefined()
    expect(kept.get('a', 3)).toBe(1)
    expect(kept.get('c', 3)).toBe(3)
  })

  it('a replay at an earlier detection time does not drop the states of later ones', () => {
    const kept = new KeptStates<string>()
    kept.set('later\u0000', 'x', 10 * KEPT_STATE_HORIZON_MS)
    expect(kept.get('earlier\u0000', 0)).toBeUndefined()
    expect(kept.get('later\u0000', 10 * KEPT_STATE_HORIZON_MS + 30_000)).toBe('x')
  })

  it('clear forgets everything (tests; a rebuilt store)', () => {
    const kept = new KeptStates<string>()
    kept.set('a', 'x', 0)
    kept.clear()
    expect(kept.size).toBe(0)
    expect(kept.get('a', 0)).toBeUndefined()
  })
})
