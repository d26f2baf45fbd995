import { describe, expect, it } from 'vitest'
import { ApiError, isDenied, pollInterval } from '@/components/hooks/api'
import { isControlsQueryKey } from '@/components/hooks/usePolicy'
import { describeError } from '@/components/policy/errors'

describe('pollInterval', () => {
  it('follows the Live/Paused toggle (refreshMs 0 = paused or a fixed window)', () => {
    expect(pollInterval(0, { liveMs: 5_000 }, null)).toBe(false)
    expect(pollInterval(10_000, {}, null)).toBe(10_000)
    expect(pollInterval(10_000, { liveMs: 5_000 }, null)).toBe(5_000)
  })

  it('stops after 401/403 when asked, and keeps polling through other errors', () => {
    const opts = { liveMs: 5_000, stopOnDenied: true }
    expect(pollInterval(10_000, opts, new ApiError(403, 'requires role admin'))).toBe(false)
    expect(pollInterval(10_000, opts, new ApiError(401, 'sign in required'))).toBe(false)
    expect(pollInterval(10_000, opts, new ApiError(500, 'internal error'))).toBe(5_000)
    expect(pollInterval(10_000, opts, new TypeError('failed to fetch'))).toBe(5_000)
    // Without the flag the old behaviour stands (other hooks are unchanged).
    expect(pollInterval(10_000, { liveMs: 5_000 }, new ApiError(403, 'x'))).toBe(5_000)
  })

  it('isDenied recognises only ApiError 401/403', () => {
    expect(isDenied(new ApiError(403, 'x'))).toBe(true)
    expect(isDenied(new ApiError(404, 'x'))).toBe(false)
    expect(isDenied({ status: 403 })).toBe(false)
  })
})

describe('isControlsQueryKey', () => {
  it('matches the policy, history and audit queries a policy write makes stale', () => {
    for (const url of ['/api/policy', '/api/policy/history?limit=50', '/api/audit?limit=300&action=policy.', '/api/audit']) {
      expect(isControlsQueryKey(['api', url])).toBe(true)
    }
  })
  it('leaves other queries alone', () => {
    for (const url of ['/api/alerts?limit=100', '/api/policyx', '/api/auth/me', '/api/installs/abc']) {
      expect(isControlsQueryKey(['api', url])).toBe(false)
    }
    expect(isControlsQueryKey(['other', '/api/policy'])).toBe(false)
  })
})

describe('describeError', () => {
  it('adds the fields zod rejected to the server message', () => {
    const e = new ApiError(400, 'invalid body', [{ path: 'reason', message: 'Too small: expected string to have >=3 characters' }])
    expect(describeError(e)).toBe('invalid body (reason: Too small: expected string to have >=3 characters)')
  })
  it('keeps a plain message as is', () => {
    expect(describeError(new ApiError(403, 'responders may change at most 50 subjects at once; ask an admin'))).toBe(
      'responders may change at most 50 subjects at once; ask an admin',
    )
    expect(describeError(new Error('boom'))).toBe('boom')
    expect(describeError(new ApiError(400, 'bad', { not: 'an array' }))).toBe('bad')
  })
})
