import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../lib/auth/roles'
import type { ControlPlane } from '../../lib/policy/runtime'
import { startBroker, stopBroker } from '../../harness/kafka-broker'
import { readWholeTopic } from '../../harness/kafka-io'
import { routeCaller, type Handler } from '../../harness/route-call'
import { signedInCookies } from '../../harness/session-cookies'

// The rotate route as the app runs it (controls(): app store, key ring, Kafka publisher),
// against its own broker run, which this file stops and restarts.
const BROKER = `policy-rotate-${process.pid}`
const topic = `policy-rotate-${Date.now().toString(36)}`
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'br-policy-rotate-')),
  CLICKHOUSE_DATABASE: `policy_rotate_${process.pid}`,
  INGEST_SOURCE: 'none',
  DETECT_ENABLED: '0',
  BURNRATE_ADMIN_PASSWORD: 'admin-password-for-tests',
  POLICY_KAFKA: '1',
  POLICY_TOPIC: topic,
})
delete process.env.CLICKHOUSE_URL

const cookies: Partial<Record<Role, string>> = {}
const call = routeCaller(cookies)
let rotate: Handler
let c: ControlPlane
let stoppers: (() => Promise<void>)[] = []

/** The signing kid of every record on the topic, with its key and version, in topic order. */
async function topicRecords(brokers: string[]) {
  const kafka = new Kafka({ clientId: 'it-rotate-read', brokers, logLevel: logLevel.NOTHING })
  return (await readWholeTopic(kafka, topic)).map((message) => {
    const [h, p] = message.value!.toString().split('.')
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { version: number }
    return { key: message.key!.toString(), kid: (JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string }).kid, version: payload.version }
  })
}

let brokers: string[]
beforeAll(async () => {
  const started = await startBroker(BROKER)
  brokers = started.brokers.split(',')
  process.env.KAFKA_BROKERS = started.brokers
  Object.assign(cookies, await signedInCookies(['admin']))
  rotate = ((await import('../../app/api/policy/keys/rotate/route')) as unknown as Record<string, Handler>).POST
  const { controls } = await import('../../lib/runtime/controls')
  const { startAppRuntime } = await import('../../lib/runtime/app-runtime')
  c = await controls()
  stoppers = (await startAppRuntime(() => {})).stoppers
}, 240_000)
afterAll(async () => {
  for (const s of stoppers) await s().catch(() => {})
  await stopBroker(BROKER).catch(() => {})
  await c?.store.close().catch(() => {})
}, 90_000)

describe('key rotation with the Kafka publisher', () => {
  it('a republish that fails while Kafka is down is retried: the topic ends up signed by the new key', async () => {
    const { applyChangeRequest } = await import('../../lib/policy/apply')
    const admin = { userId: 'admin-user', displayName: 'admin', role: 'admin' as const, provider: 'local' as const }
    await applyChangeRequest(
      c,
      admin,
      { scope: 'install', subjects: ['x'], action: 'revoke', controls: {}, durationMinutes: null, reason: 'rotate test' },
      null,
    )
    const publisher = c.publisher!
    await expect.poll(() => publisher.publishedVersion, { timeout: 60_000, interval: 250 }).toBe(1)
    const oldKid = c.ring.activeKid

    await stopBroker(BROKER)
    const res = await call(rotate, 'POST', '/api/policy/keys/rotate', { role: 'admin' })
    expect(res.status).toBe(200)
    const { kid } = (await res.json()) as { kid: string }
    expect(kid).not.toBe(oldKid)
    await publisher.flush() // the republish has run, and failed
    await startBroker(BROKER, { keepData: true })

    await expect.poll(async () => (await topicRecords(brokers)).some((r) => r.kid === kid), { timeout: 45_000, interval: 1_000 }).toBe(true)
    const records = await topicRecords(brokers)
    const last = records.filter((r) => r.key === 'install:x').at(-1)!
    expect(last).toMatchObject({ kid, version: 1 })
    // Per key, versions on the topic never go backwards: no stale re-signed record after a newer one.
    const seen = new Map<string, number>()
    for (const r of records) {
      expect(r.version).toBeGreaterThanOrEqual(seen.get(r.key) ?? 0)
      seen.set(r.key, r.version)
    }
  }, 240_000)
})
