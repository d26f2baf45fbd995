import { CompactSign, compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const POLICY_JWS_TYPE = 'burnrate-policy+jws'

interface StoredKey {
  kid: string
  privateJwk: JWK
  createdAt: number
  retiredAt: number | null
}

/** POST /api/policy/keys/rotate: the new signing key, the one it retires, and whether topic records are being re-signed. */
export interface RotateKeyResponse {
  kid: string
  retired: string
  republish: 'queued' | 'none'
}

/** GET /api/policy/keys: the ring as an admin sees it, without key material. */
export interface KeyRingView {
  activeKid: string
  /** False when keys come from POLICY_SIGNING_KEYS: rotate there and restart. */
  rotatable: boolean
  graceHours: number
  keys: { kid: string; createdAt: number; retiredAt: number | null; verifiesUntil: number | null; active: boolean }[]
}

export interface KeyRingOptions {
  dataDir: string
  /** POLICY_SIGNING_KEYS: a JWK set of Ed25519 private keys; the last one signs. */
  envKeys?: string
  graceHours: number
  /** How often, at most, to look whether another process rotated the key file (default KEY_RELOAD_MS). */
  reloadMs?: number
}

/**
 * Replicas sharing DATA_DIR share the key file; one of them rotating it must
 * make every other one sign with the new key. Checking is a stat(), done at
 * most this often and only when a key is used: no timer.
 */
export const KEY_RELOAD_MS = 2_000

/** Changes whenever the file is replaced (save() renames a new file over it). */
function fileStamp(file: string): string {
  const st = statSync(file)
  return `${st.ino}:${st.mtimeMs}:${st.size}`
}

function publicOf(k: StoredKey): JWK {
  const { d: _d, ...pub } = k.privateJwk
  return { ...pub, kid: k.kid, alg: 'EdDSA', use: 'sig' }
}

/**
 * Ed25519 keys that sign policy (snapshots and Kafka records). The newest key
 * signs; rotated-out keys stay in the published JWKS for a grace period so
 * that gateways holding material signed by them keep verifying while they
 * refetch: rotation never needs downtime. The private keys live in DATA_DIR
 * (mode 0600) or come from the environment; they are never sent to a client.
 * A file-backed ring picks up a rotation made by another process sharing the
 * file within `reloadMs`; env keys change only with a restart.
 */
export class KeyRing {
  private stamp = ''
  private checkedAt = 0

  private constructor(
    private keys: StoredKey[],
    private readonly opts: KeyRingOptions,
    private readonly file: string | null,
  ) {
    if (file && existsSync(file)) this.stamp = fileStamp(file)
    this.checkedAt = Date.now()
  }

  static async load(opts: KeyRingOptions): Promise<KeyRing> {
    if (opts.envKeys) {
      const set = JSON.parse(opts.envKeys) as { keys?: JWK[] }
      const keys = (set.keys ?? []).map((jwk, i) => {
        if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) throw new Error(`POLICY_SIGNING_KEYS key ${i} is not an Ed25519 private JWK`)
        return { kid: jwk.kid ?? `env-${i}`, privateJwk: jwk, createdAt: 0, retiredAt: null }
      })
      if (keys.length === 0) throw new Error('POLICY_SIGNING_KEYS has no keys')
      return new KeyRing(keys, opts, null)
    }
    const dir = resolve(opts.dataDir)
    const file = join(dir, 'policy-signing-keys.json')
    if (existsSync(file)) return new KeyRing(readKeys(file), opts, file)
    mkdirSync(dir, { recursive: true })
    const ring = new KeyRing([await newKey()], opts, file)
    ring.save()
    return ring
  }

  private save() {
    if (!this.file) return
    // Replicas in containers may all be pid 1: the temp name must not collide on a shared volume.
    const tmp = `${this.file}.${process.pid}.${randomUUID()}.tmp`
    writeFileSync(tmp, JSON.stringify({ keys: this.keys }), { mode: 0o600 })
    renameSync(tmp, this.file)
    this.stamp = fileStamp(this.file)
  }

  /** Rereads the key file if another process replaced it. A file that cannot be read leaves the keys we hold. */
  private reloaded(force = false): StoredKey[] {
    const nowMs = Date.now()
    if (!this.file || (!force && nowMs - this.checkedAt < (this.opts.reloadMs ?? KEY_RELOAD_MS))) return this.keys
    this.checkedAt = nowMs
    try {
      const stamp = fileStamp(this.file)
      if (stamp !== this.stamp) {
        const keys = readKeys(this.file)
        if (keys.length > 0) this.keys = keys
        this.stamp = stamp
      }
    } catch {
      // Mid-rename or briefly unreadable: the next check gets it.
    }
    return this.keys
  }

  get activeKid(): string {
    const keys = this.reloaded()
    return keys[keys.length - 1].kid
  }

  /** Public keys a gateway may trust: the active one and those still within the grace period. */
  jwks(nowMs = Date.now()): { keys: JWK[] } {
    return { keys: this.verifying(nowMs).map(publicOf) }
  }

  /** The active key and those rotated out within the grace period. */
  private verifying(nowMs: number): StoredKey[] {
    const graceMs = this.opts.graceHours * 3_600_000
    return this.reloaded().filter((k) => k.retiredAt === null || nowMs - k.retiredAt < graceMs)
  }

  describe(nowMs = Date.now()): KeyRingView {
    const graceMs = this.opts.graceHours * 3_600_000
    const active = this.activeKid
    const keys = this.verifying(nowMs)
    return {
      activeKid: active,
      rotatable: Boolean(this.file),
      graceHours: this.opts.graceHours,
      keys: keys.map((k) => ({
        kid: k.kid,
        createdAt: k.createdAt,
        retiredAt: k.retiredAt,
        verifiesUntil: k.retiredAt === null ? null : k.retiredAt + graceMs,
        active: k.kid === active,
      })),
    }
  }

  /** Adds a new signing key; the previous one only verifies from now on. File-backed rings only. */
  async rotate(nowMs = Date.now()): Promise<{ kid: string; retired: string }> {
    if (!this.file) throw new Error('keys come from POLICY_SIGNING_KEYS: rotate by appending a key there and restarting')
    // Start from the file as it is now, so a rotation made elsewhere is kept, not overwritten.
    this.reloaded(true)
    const retired = this.activeKid
    const graceMs = this.opts.graceHours * 3_600_000
    this.keys = this.keys.filter((k) => k.retiredAt === null || nowMs - k.retiredAt < graceMs)
    for (const k of this.keys) k.retiredAt ??= nowMs
    const fresh = await newKey(nowMs)
    this.keys.push(fresh)
    this.save()
    return { kid: fresh.kid, retired }
  }

  async sign(payload: unknown): Promise<string> {
    const keys = this.reloaded()
    const active = keys[keys.length - 1]
    const key = await importJWK({ ...active.privateJwk, alg: 'EdDSA' }, 'EdDSA')
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'EdDSA', kid: active.kid, typ: POLICY_JWS_TYPE })
      .sign(key)
  }
}

function readKeys(file: string): StoredKey[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { keys: StoredKey[] }).keys
}

async function newKey(nowMs = Date.now()): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const privateJwk = await exportJWK(privateKey)
  const kid = `br-${new Date(nowMs).toISOString().slice(0, 10)}-${(privateJwk.x ?? '').slice(0, 8)}`
  return { kid, privateJwk, createdAt: nowMs, retiredAt: null }
}

/** What a gateway does: verify a policy JWS against the published key set, return its payload. */
export async function verifyPolicyJws<T = unknown>(jws: string, jwks: { keys: JWK[] }): Promise<T> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] })
  if (protectedHeader.typ !== POLICY_JWS_TYPE) throw new Error('not a Burnrate policy JWS')
  return JSON.parse(new TextDecoder().decode(payload)) as T
}

const KEY = Symbol.for('burnrate.policy.keyring')
type G = typeof globalThis & { [KEY]?: Map<string, Promise<KeyRing>> }

/** The process-wide key ring of a data directory (or of the environment's keys). */
export function sharedKeyRing(opts: KeyRingOptions): Promise<KeyRing> {
  const g = globalThis as G
  const all = (g[KEY] ??= new Map())
  const id = opts.envKeys ? 'env' : resolve(opts.dataDir)
  if (!all.has(id)) {
    const p = KeyRing.load(opts)
    p.catch(() => all.delete(id))
    all.set(id, p)
  }
  return all.get(id)!
}
