import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeyRing, verifyPolicyJws } from '../../lib/policy/keys'

const header = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString()) as { kid: string }

describe('KeyRing shared by replicas (one DATA_DIR)', () => {
  it('a rotation made by one replica is what every replica signs with, within the reload interval', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'br-keys-shared-'))
    const a = await KeyRing.load({ dataDir, graceHours: 24, reloadMs: 50 })
    const b = await KeyRing.load({ dataDir, graceHours: 24, reloadMs: 50 })
    const first = a.activeKid
    expect(b.activeKid).toBe(first)

    const { kid } = await b.rotate()
    expect(kid).not.toBe(first)
    await new Promise((r) => setTimeout(r, 80))
    expect(a.activeKid).toBe(kid)
    const signed = await a.sign({ kind: 'rule', version: 1 })
    expect(header(signed).kid).toBe(kid)
    expect(
      a
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual([first, kid].sort())
    await expect(verifyPolicyJws(signed, b.jwks())).resolves.toMatchObject({ version: 1 })

    // A rotation made from the stale-looking replica keeps the other one's key instead of overwriting it.
    const { kid: third, retired } = await a.rotate()
    expect(retired).toBe(kid)
    await new Promise((r) => setTimeout(r, 80))
    expect(b.activeKid).toBe(third)
    expect(
      b
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual([first, kid, third].sort())
  })
})
