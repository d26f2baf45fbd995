import { describe, expect, it } from 'vitest'
import { safeNext } from '../../lib/auth/safe-next'
import { safeNext as oidcSafeNext } from '../../lib/auth/oidc'

// Each of these, used as `next`, would leave the site in at least one browser
// or would if something on the way decoded the path first.
const ATTACKS: [string, string][] = [
  ['protocol-relative', '//evil.com'],
  ['backslash', '/\\evil.com'],
  ['slash backslash slash', '/\\/evil.com'],
  ['encoded tab (already decoded once by the caller, still encoded here)', '/%09/evil.com'],
  ['literal tab', '/\t/evil.com'],
  ['literal newline', '/\n/evil.com'],
  ['literal carriage return', '/\r/evil.com'],
  ['NUL', '/\u0000/evil.com'],
  ['absolute https', 'https://evil.com'],
  ['absolute, our own placeholder base', 'http://x.invalid/alerts'],
  ['javascript: URL', 'javascript:alert(1)'],
  ['encoded slashes', '/%2F%2Fevil.com'],
  ['encoded backslash', '/%5Cevil.com'],
  ['encoded newline', '/%0a/evil.com'],
  ['encoded CR', '/%0D/evil.com'],
  ['dot segment collapsing to //', '/.//evil.com'],
  ['dot-dot segment collapsing to //', '/a/..//evil.com'],
  ['leading space', ' //evil.com'],
  ['no leading slash', 'evil.com'],
  ['malformed escape', '/%E0%A4%A'],
  ['empty', ''],
]

describe('safeNext', () => {
  it.each(ATTACKS)('rejects %s', (_why, next) => {
    expect(safeNext(next)).toBe('/')
  })

  it('rejects missing values and absurd lengths', () => {
    expect(safeNext(null)).toBe('/')
    expect(safeNext(undefined)).toBe('/')
    expect(safeNext(`/${'a'.repeat(5000)}`)).toBe('/')
  })

  it('keeps ordinary same-site paths, with query and fragment', () => {
    expect(safeNext('/alerts?x=1#y')).toBe('/alerts?x=1#y')
    expect(safeNext('/')).toBe('/')
    expect(safeNext('/installs/i-1/timeline?from=2024-01-01T00%3A00%3A00Z')).toBe('/installs/i-1/timeline?from=2024-01-01T00%3A00%3A00Z')
    // An encoded slash in the query is data, not a path.
    expect(safeNext('/search?q=%2F%2Fevil.com')).toBe('/search?q=%2F%2Fevil.com')
  })

  it('returns the normalized path, not the raw input', () => {
    expect(safeNext('/a/../alerts')).toBe('/alerts')
    expect(safeNext('/a b')).toBe('/a%20b')
  })

  it('is the same rule the OIDC flow applies', () => {
    for (const [, next] of ATTACKS) expect(oidcSafeNext(next)).toBe('/')
    expect(oidcSafeNext('/alerts?x=1#y')).toBe('/alerts?x=1#y')
  })

  it('every accepted value stays on the page origin when a browser resolves it', () => {
    const origin = 'https://burnrate.example'
    for (const [, next] of ATTACKS) expect(new URL(safeNext(next), origin).origin).toBe(origin)
  })
})
