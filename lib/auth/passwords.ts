import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

// scrypt N=2^16, r=8, p=1: 64 MiB and ~0.2 s per hash on a server core; a little
// under OWASP's 2^17 so a sign-in stays responsive on the small hosts we target.
const PARAMS = { N: 2 ** 16, r: 8, p: 1 }
const KEY_LEN = 32

function derive(password: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r }
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))))
}

const SALT_LEN = 16

function encode(salt: Buffer, key: Buffer): string {
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** `scrypt$N$r$p$salt$hash` (base64url), self-describing so the cost can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LEN)
  const key = await derive(password, salt, PARAMS)
  return encode(salt, key)
}

/**
 * Verified against for unknown user names so that they cost as much as a real
 * user. Built by the same encoder as real hashes: if the cost is ever raised,
 * the dummy follows, and response time keeps not telling which names exist.
 * An all-zero key is not a realistic scrypt output, so it never verifies.
 */
export const DUMMY_HASH = encode(Buffer.alloc(SALT_LEN), Buffer.alloc(KEY_LEN))

/** The scrypt cost parameters recorded in a stored hash, or null when it is not one of ours. */
export function hashParams(stored: string): { N: number; r: number; p: number } | null {
  const [kind, n, r, p] = stored.split('$')
  if (kind !== 'scrypt') return null
  return { N: Number(n), r: Number(r), p: Number(p) }
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$')
  if (kind !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A password a human can type once from the server log: 24 base64url chars, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
