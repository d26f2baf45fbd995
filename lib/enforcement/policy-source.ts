import type { JWK } from 'jose'
import type { PolicyEnforcer } from '../policy/enforcer'
import { followPolicyTopic, type Follower } from '../policy/follower'
import { verifyPolicyJws } from '../policy/keys'
import type { DeltaPayload, SnapshotPayload } from '../policy/snapshot'
import type { PolicyFreshness } from './decide'

/** The app could not be asked (network, 5xx): not a refusal of what it sent. */
class Unreachable extends Error {}

export interface PolicySourceOptions {
  enforcer: PolicyEnforcer
  /** Base URL of the Burnrate app (GET /api/policy/snapshot and /api/policy/jwks). */
  policyUrl: string
  /** A gateway token from the app's POLICY_GATEWAY_TOKENS, sent as Bearer. */
  token?: string
  /** Compacted policy topic; empty brokers = HTTP polling only. */
  brokers: string[]
  topic: string
  clientId: string
  /** How often to ask the app whether the version held is the newest (and fetch a delta if not). */
  pollMs: number
  /** Policy older than this (not confirmed current) is stale. */
  maxStalenessMs: number
  log: (line: string) => void
}

export interface PolicyHealth {
  ready: boolean
  version: number
  /** Newest version the app reported. */
  latestVersion: number
  lagVersions: number
  /** Records on the policy topic not applied yet (-1: not following the topic). */
  topicLag: number
  /** Time since the version held was last confirmed current (by the app's answer or a caught-up topic). */
  ageMs: number | null
  stale: boolean
  refused: { snapshots: number; deltas: number; records: number; replayed: number }
  lastError: string | null
}

/** The app takes a gateway token only if it is one of POLICY_GATEWAY_TOKENS and at least 24 characters (shorter ones are ignored there). */
export const MIN_GATEWAY_TOKEN_LENGTH = 24
export function refusedTokenHint(token: string | undefined): string {
  if (!token) return ': ENFORCER_GATEWAY_TOKEN is not set (the app needs one of its POLICY_GATEWAY_TOKENS as Bearer)'
  if (token.length < MIN_GATEWAY_TOKEN_LENGTH)
    return `: ENFORCER_GATEWAY_TOKEN has ${token.length} characters; the app ignores gateway tokens shorter than ${MIN_GATEWAY_TOKEN_LENGTH} (e.g. openssl rand -hex 24)`
  return ": ENFORCER_GATEWAY_TOKEN is not one of the app's POLICY_GATEWAY_TOKENS (name=token pairs)"
}

/**
 * How the enforcer follows the signed policy: a verified HTTP snapshot first
 * (it sets the version floor, so a replayed old topic record cannot lift a
 * revocation), then the compacted topic, every record verified against the
 * JWKS (lib/policy/follower.ts). Meanwhile it polls the app with ?since=held:
 * a 304 or an empty delta confirms the version held is current; a delta
 * brings what the topic has not delivered yet; a gap refetches the snapshot.
 * Anything that fails verification is refused and counted, never applied.
 */
export class PolicySource {
  private keys: { keys: JWK[] } = { keys: [] }
  private follower: Follower | null = null
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  private confirmedAt: number | null = null
  private latest = 0
  private topicLag = -1
  private etag: string | null = null
  private lastError: string | null = null
  readonly refused = { snapshots: 0, deltas: 0 }

  constructor(private readonly o: PolicySourceOptions) {}

  private snapshotApplied = false

  freshness = (nowMs = Date.now()): PolicyFreshness => ({
    ready: this.snapshotApplied,
    stale: this.confirmedAt === null || nowMs - this.confirmedAt > this.o.maxStalenessMs,
  })

  health(nowMs = Date.now()): PolicyHealth {
    const version = this.o.enforcer.version
    return {
      ready: this.snapshotApplied,
      version,
      latestVersion: Math.max(this.latest, version),
      lagVersions: Math.max(0, this.latest - version),
      topicLag: this.topicLag,
      ageMs: this.confirmedAt === null ? null : nowMs - this.confirmedAt,
      stale: this.freshness(nowMs).stale,
      refused: { ...this.refused, records: this.follower?.rejected ?? 0, replayed: this.follower?.stale ?? 0 },
      lastError: this.lastError,
    }
  }

  private async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const auth: Record<string, string> = this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}
    return fetch(new URL(path, this.o.policyUrl), { headers: { ...auth, ...headers }, signal: AbortSignal.timeout(5_000) })
  }

  private async fetchKeys() {
    const res = await this.get('/api/policy/jwks').catch((err) => {
      throw new Unreachable((err as Error).message)
    })
    if (!res.ok)
      throw new Unreachable(`GET /api/policy/jwks answered ${res.status}${res.status === 401 || res.status === 403 ? refusedTokenHint(this.o.token) : ''}`)
    this.keys = (await res.json()) as { keys: JWK[] }
  }

  /** Verifies with the keys held, refetching the JWKS once if that fails (a key rotated in since). */
  private async verify<T>(jws: string): Promise<T> {
    try {
      return await verifyPolicyJws<T>(jws, this.keys)
    } catch {
      await this.fetchKeys()
      return verifyPolicyJws<T>(jws, this.keys)
    }
  }

  /** Fetches and applies the full snapshot. Returns false if it was refused (bad signature, wrong kind, older than held). */
  private async loadSnapshot(): Promise<boolean> {
    if (this.keys.keys.length === 0) await this.fetchKeys()
    const res = await this.get('/api/policy/snapshot')
    if (!res.ok) throw new Error(`GET /api/policy/snapshot answered ${res.status}`)
    const body = (await res.json()) as { jws?: string }
    let payload: SnapshotPayload
    try {
      payload = await this.verify<SnapshotPayload>(String(body.jws))
      if (payload.kind !== 'snapshot' || !Array.isArray(payload.rules) || !Number.isSafeInteger(payload.version)) throw new Error('not a snapshot')
    } catch (err) {
      if (err instanceof Unreachable) throw err
      this.refused.snapshots++
      this.lastError = `policy snapshot refused: ${(err as Error).message}`
      this.o.log(`[enforcer] ${this.lastError}`)
      return false
    }
    if (!this.o.enforcer.applySnapshot(payload)) return false
    this.snapshotApplied = true
    this.latest = Math.max(this.latest, payload.version)
    this.confirmedAt = Date.now()
    this.etag = null
    return true
  }

  /** One poll: confirms the version held, or brings it up to date. */
  private async poll(): Promise<void> {
    const held = this.o.enforcer.version
    const res = await this.get(`/api/policy/snapshot?since=${held}`, this.etag ? { 'if-none-match': this.etag } : {})
    const latest = Number(res.headers.get('x-policy-version'))
    if (Number.isSafeInteger(latest)) this.latest = latest
    if (res.status === 304) {
      if (this.latest <= this.o.enforcer.version) this.confirmedAt = Date.now()
      return
    }
    if (!res.ok) throw new Error(`GET /api/policy/snapshot?since answered ${res.status}`)
    const body = (await res.json()) as { jws?: string }
    let delta: DeltaPayload | SnapshotPayload
    try {
      delta = await this.verify<DeltaPayload | SnapshotPayload>(String(body.jws))
    } catch (err) {
      if (err instanceof Unreachable) throw err
      this.refused.deltas++
      this.lastError = `policy delta refused: ${(err as Error).message}`
      this.o.log(`[enforcer] ${this.lastError}`)
      return
    }
    if (delta.kind === 'snapshot') {
      if (this.o.enforcer.applySnapshot(delta)) this.confirmedAt = Date.now()
    } else if (delta.kind === 'delta') {
      const result = this.o.enforcer.applyDelta(delta)
      if (result === 'gap') await this.loadSnapshot()
      else if (this.o.enforcer.version >= delta.version) this.confirmedAt = Date.now()
    }
    this.etag = res.headers.get('etag')
  }

  private async tick() {
    if (this.stopped) return
    try {
      if (!this.snapshotApplied) await this.loadSnapshot()
      else await this.poll()
      // In the background: a Kafka that is down must not hold up the polls that keep the policy confirmed.
      if (this.snapshotApplied && !this.follower && !this.followerStarting && this.o.brokers.length > 0) this.startFollowerInBackground()
      if (this.follower) {
        this.topicLag = await Promise.race([this.follower.lag(), new Promise<number>((r) => setTimeout(() => r(-1), this.o.pollMs).unref())]).catch(() => -1)
        // A caught-up topic confirms the version held as well: the app's publisher sends every change there.
        if (this.topicLag === 0 && this.latest <= this.o.enforcer.version) this.confirmedAt = Date.now()
      }
      // A refused snapshot stays the reason until a good one arrives.
      if (this.snapshotApplied) this.lastError = null
    } catch (err) {
      this.lastError = (err as Error).message
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.o.pollMs)
  }

  private followerStarting = false

  private startFollowerInBackground() {
    this.followerStarting = true
    void this.startFollower()
      .catch((err) => (this.lastError = `policy topic: ${(err as Error).message}`))
      .finally(() => (this.followerStarting = false))
  }

  private async startFollower() {
    this.follower = await followPolicyTopic({
      brokers: this.o.brokers,
      topic: this.o.topic,
      enforcer: this.o.enforcer,
      clientId: this.o.clientId,
      log: this.o.log,
      jwks: async () => {
        await this.fetchKeys().catch(() => {})
        return this.keys
      },
    })
    if (this.stopped) return void (await this.follower.stop().catch(() => {}))
    this.o.log(`[enforcer] following policy topic ${this.o.topic}`)
  }

  /** Starts fetching and following. Resolves after the first attempt, whether or not it succeeded (health says). */
  async start(): Promise<void> {
    await this.fetchKeys().catch((err) => (this.lastError = (err as Error).message))
    if (this.keys.keys.length > 0) {
      if (await this.loadSnapshot().catch((err) => ((this.lastError = (err as Error).message), false))) {
        if (this.o.brokers.length > 0) this.startFollowerInBackground()
      }
    }
    this.timer = setTimeout(() => void this.tick(), this.o.pollMs)
  }

  async stop() {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.follower?.stop().catch(() => {})
  }
}
