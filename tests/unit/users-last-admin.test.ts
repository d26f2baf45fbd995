import { describe, expect, it } from 'vitest'
import { leavesNoAdmin, type LocalUser } from '../../lib/auth/users'

const user = (userId: string, role: LocalUser['role'], disabled = false): LocalUser => ({ userId, displayName: userId, role, disabled })

describe('leavesNoAdmin', () => {
  const two = [user('a', 'admin'), user('b', 'admin'), user('v', 'viewer')]
  it('refuses to disable or demote the last enabled admin', () => {
    const one = [user('a', 'admin'), user('b', 'admin', true), user('v', 'viewer')]
    expect(leavesNoAdmin(one, { userId: 'a', role: 'viewer' })).toBe(true)
    expect(leavesNoAdmin(one, { userId: 'a', role: 'admin', disabled: true })).toBe(true)
  })
  it('allows it while another admin stays enabled, and any change to other users', () => {
    expect(leavesNoAdmin(two, { userId: 'a', role: 'responder' })).toBe(false)
    expect(leavesNoAdmin(two, { userId: 'v', role: 'viewer', disabled: true })).toBe(false)
    expect(leavesNoAdmin(two, { userId: 'new', role: 'viewer' })).toBe(false)
  })
  it('keeps a disabled admin disabled when the change leaves `disabled` out', () => {
    const one = [user('a', 'admin'), user('b', 'admin', true)]
    expect(leavesNoAdmin(one, { userId: 'b', role: 'admin' })).toBe(false)
    expect(leavesNoAdmin(one, { userId: 'a', role: 'viewer' })).toBe(true)
  })
  it('does not block a store with no local admin at all (sign-in through OIDC)', () => {
    expect(leavesNoAdmin([user('v', 'viewer')], { userId: 'v', role: 'responder' })).toBe(false)
  })
})
