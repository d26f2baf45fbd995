import { describe, expect, it } from 'vitest'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import type { Controls, Rule } from '../../lib/policy/types'

// Replays: every input below is validly signed in real life; only its version tells it is old.
// Behaviour is asserted first, the return values (what a gateway would count or act on) after.
const install = (id: string, controls: Controls, version: number): Rule => ({
  key: `install:${id}`,
  scope: 'install',
  subject: id,
  controls,
  until: null,
  reason: 'test',
  author: 'a',
  version,
  updatedAt: 0,
})
const T = 1_700_000_000_000
const ask = (e: PolicyEnforcer, installId = 'x') => e.admit({ tenantId: 't1', feature: 'chat', installId, contextTokens: 10, stream: false, nowMs: T })

describe('PolicyEnforcer only moves forward', () => {
  it('ignores a replayed older record for a key, whether it was a rule or a removal', () => {
    const e = new PolicyEnforcer()
    e.applyRule('install:x', install('x', { tokensPerMinute: 1000 }, 4), 4)
    e.applyRule('install:x', install('x', { tokensPerMinute: 1000, revoked: true }, 7), 7)
    // The pre-revocation rule, and a removal before it: either would lift the revocation.
    const replayRule = e.applyRule('install:x', install('x', { tokensPerMinute: 1000 }, 4), 4)
    expect(ask(e)).toMatchObject({ allowed: false, ruleKind: 'revoked', version: 7 })
    const replayNull = e.applyRule('install:x', null, 5)
    expect(ask(e)).toMatchObject({ allowed: false, ruleKind: 'revoked', version: 7 })
    expect([replayRule, replayNull]).toEqual([false, false])
    // A removal is remembered too: replaying the revocation after it was cleared does not bring it back.
    expect(e.applyRule('install:x', null, 9)).toBe(true)
    const replayRevoke = e.applyRule('install:x', install('x', { revoked: true }, 7), 7)
    expect(ask(e).allowed).toBe(true)
    expect(replayRevoke).toBe(false)
    // Another key is judged on its own versions; the same version again (a re-signed republish) applies.
    expect(e.applyRule('install:y', install('y', { revoked: true }, 3), 3)).toBe(true)
    expect(e.applyRule('install:y', install('y', { revoked: true }, 3), 3)).toBe(true)
    expect(e.version).toBe(9)
  })

  it('refuses a snapshot older than the policy held, and records older than the snapshot', () => {
    const e = new PolicyEnforcer()
    e.applySnapshot({ version: 10, rules: [install('x', { revoked: true }, 10)] })
    const old = e.applySnapshot({ version: 8, rules: [] })
    expect(ask(e)).toMatchObject({ allowed: false, version: 10 })
    const oldRule = e.applyRule('install:x', null, 9)
    const oldChange = e.applyChange(9, [{ key: 'install:x', after: null }])
    expect(ask(e)).toMatchObject({ allowed: false, version: 10 })
    expect([old, oldRule, oldChange]).toEqual([false, false, false])
    expect(e.applySnapshot({ version: 11, rules: [] })).toBe(true)
    expect(ask(e).allowed).toBe(true)
  })

  it('applies a delta only if it continues from the version held; a gap means: refetch the snapshot', () => {
    const e = new PolicyEnforcer()
    e.applySnapshot({ version: 5, rules: [install('x', { revoked: true }, 5)] })
    // Missing 6..7: applying 8..9 on top of 5 could leave a rule 6 or 7 changed as it was.
    const gap = e.applyDelta({ fromVersion: 7, version: 9, upserts: [], removed: ['install:x'] })
    expect(ask(e).allowed).toBe(false)
    expect(e.version).toBe(5)
    // An old delta (up to 4) must not roll back what 5 says.
    const stale = e.applyDelta({ fromVersion: 2, version: 4, upserts: [], removed: ['install:x'] })
    expect(ask(e).allowed).toBe(false)
    expect([gap, stale]).toEqual(['gap', 'stale'])
    expect(e.applyDelta({ fromVersion: 5, version: 6, upserts: [install('y', { revoked: true }, 6)], removed: ['install:x'] })).toBe('applied')
    expect(ask(e).allowed).toBe(true)
    expect(ask(e, 'y').allowed).toBe(false)
    // Overlapping (from 3, as of 8) is complete for everything after 6: fine.
    expect(e.applyDelta({ fromVersion: 3, version: 8, upserts: [], removed: ['install:y'] })).toBe('applied')
    expect(ask(e, 'y').allowed).toBe(true)
    expect(e.applyRule('install:y', install('y', { revoked: true }, 6), 6)).toBe(false)
    expect(e.version).toBe(8)
  })
})
