import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { gatewayPrincipal } from '../../lib/auth/gateway-tokens'
import { oidcSettings, principalFromClaims, safeNext, validateIdToken } from '../../lib/auth/oidc'
import { hashPassword, verifyPassword } from '../../lib/auth/passwords'

const issuer = 'https://idp.example.test'
const settings = oidcSettings({
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: 'burnrate',
  OIDC_ADMIN_GROUPS: 'secops',
  OIDC_RESPONDER_GROUPS: 'oncall',
} as unknown as NodeJS.ProcessEnv)!

async function provider() {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] })
  const sign = (claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? 'burnrate')
      .setSubject('u-42')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(privateKey)
  return { jwks, sign }
}

describe('OIDC id_token validation', () => {
  it('accepts a token from the issuer for us with the right nonce, and maps groups to roles', async () => {
    const { jwks, sign } = await provider()
    const claims = await validateIdToken(await sign({ nonce: 'n1', groups: ['staff', 'oncall'], email: 'a@x.test' }), settings, jwks, 'n1')
    expect(principalFromClaims(claims, settings)).toMatchObject({ role: 'responder', displayName: 'a@x.test', userId: `${issuer}#u-42` })
    expect(principalFromClaims({ ...claims, groups: ['secops'] }, settings)?.role).toBe('admin')
    expect(principalFromClaims({ ...claims, groups: ['staff'] }, settings)).toBeNull()
  })

  it('rejects wrong issuer, audience, nonce, expiry and foreign keys', async () => {
    const { jwks, sign } = await provider()
    const other = await provider()
    await expect(validateIdToken(await sign({ nonce: 'n' }, { iss: 'https://evil.test' }), settings, jwks, 'n')).rejects.toThrow()
    await expect(validateIdToken(await sign({ nonce: 'n' }, { aud: 'someone-else' }), settings, jwks, 'n')).rejects.toThrow()
    await expect(validateIdToken(await sign({ nonce: 'n' }), settings, jwks, 'other')).rejects.toThrow(/nonce/)
    await expect(validateIdToken(await sign({ nonce: 'n' }, { exp: '-5m' }), settings, jwks, 'n')).rejects.toThrow()
    await expect(validateIdToken(await other.sign({ nonce: 'n' }), settings, jwks, 'n')).rejects.toThrow()
  })

  it('only redirects to same-site paths after sign-in', () => {
    expect(safeNext('/policies?x=1')).toBe('/policies?x=1')
    for (const bad of ['//evil.test', 'https://evil.test', '/\\evil.test', '/\t/evil.test', '/.//evil.test', '', null]) expect(safeNext(bad)).toBe('/')
  })
})

describe('local passwords and gateway tokens', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const h = await hashPassword('correct horse battery')
    expect(h).toMatch(/^scrypt\$/)
    expect(await verifyPassword('correct horse battery', h)).toBe(true)
    expect(await verifyPassword('wrong', h)).toBe(false)
  })

  it('accepts a gateway token only on gateway paths', () => {
    const spec = 'edge-eu=0123456789abcdef0123456789abcdef'
    const req = (path: string, token: string) => new Request(`http://x${path}`, { headers: { authorization: `Bearer ${token}` } })
    expect(gatewayPrincipal(req('/api/policy/snapshot', '0123456789abcdef0123456789abcdef'), spec)).toMatchObject({ userId: 'gateway:edge-eu', role: 'viewer' })
    expect(gatewayPrincipal(req('/api/policy/changes', '0123456789abcdef0123456789abcdef'), spec)).toBeNull()
    expect(gatewayPrincipal(req('/api/policy/snapshot', 'nope'), spec)).toBeNull()
  })
})
