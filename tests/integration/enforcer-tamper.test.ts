import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEnforcer, type RunningEnforcer } from '../../lib/enforcement/service'
import { KeyRing } from '../../lib/policy/keys'
import type { SnapshotPayload } from '../../lib/policy/snapshot'
import type { Rule } from '../../lib/policy/types'
import { freePort, waitFor } from '../../harness/free-port'

// The enforcer against a policy server that can tamper with its snapshot or go silent (no Kafka: HTTP polling only).
const revoked: Rule = {
  key: 'install:bad',
  scope: 'install',
  subject: 'bad',
  controls: { revoked: true },
  until: null,
  reason: 'fraud',
  author: 'a',
  version: 3,
  updatedAt: 0,
}
let ring: KeyRing
let server: Server
let url = ''
const mode = { tamper: true, down: false }

/** The signed snapshot, with its payload rewritten after signing (the revocation removed) when tampering. */
async function snapshotBody(): Promise<string> {
  const payload: SnapshotPayload = { kind: 'snapshot', version: 3, issuedAt: Date.now(), rules: [revoked] }
  const jws = await ring.sign(payload)
  if (!mode.tamper) return JSON.stringify({ version: 3, kind: 'snapshot', kid: ring.activeKid, jws })
  const [h, , s] = jws.split('.')
  const forged = Buffer.from(JSON.stringify({ ...payload, rules: [] })).toString('base64url')
  return JSON.stringify({ version: 3, kind: 'snapshot', kid: ring.activeKid, jws: `${h}.${forged}.${s}` })
}

beforeAll(async () => {
  ring = await KeyRing.load({ dataDir: mkdtempSync(join(tmpdir(), 'br-tamper-')), graceHours: 1 })
  server = createServer((req, res) => {
    if (mode.down) return void res.writeHead(503).end()
    if (req.url === '/api/policy/jwks') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ring.jwks()))
    if (req.url?.startsWith('/api/policy/snapshot?since=')) return void res.writeHead(304, { 'x-policy-version': '3' }).end()
    if (req.url === '/api/policy/snapshot')
      return void snapshotBody().then((b) => res.writeHead(200, { 'content-type': 'application/json', 'x-policy-version': '3' }).end(b))
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r))
})

const decide = (base: string, installId: string) =>
  fetch(`${base}/v1/decide`, {
    headers: {
      'x-burnrate-install-id': installId,
      'x-burnrate-tenant': 't',
      'x-burnrate-feature': 'f',
      'x-burnrate-model': 'gpt-4o',
      'x-burnrate-context-tokens': '10',
      'x-request-id': `r-${Math.random()}`,
    },
  })

describe('enforcer policy integrity and staleness', () => {
  it('npm run enforcer started with a tampered snapshot refuses it, counts it, and fails closed until a genuine one arrives', async () => {
    mode.tamper = true
    const port = await freePort()
    const env: NodeJS.ProcessEnv = { ...process.env, ENFORCER_PORT: String(port), ENFORCER_POLICY_URL: url, ENFORCER_KAFKA: '0', ENFORCER_POLL_MS: '300' }
    delete env.REDIS_URL
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'enforcer/main.ts'], {
      cwd: resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const base = `http://127.0.0.1:${port}`
    try {
      await waitFor(
        'the enforcer to listen',
        async () => {
          if (child.exitCode !== null) throw new Error(`npm run enforcer exited ${child.exitCode}: ${out}`)
          return (await fetch(`${base}/health`)).status > 0
        },
        30_000,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\n${out}`)
      })
      const health = await fetch(`${base}/health`)
      expect(health.status).toBe(503)
      const h = (await health.json()) as { ready: boolean; refused: { snapshots: number }; lastError: string; quotaStore: string }
      expect(h.ready).toBe(false)
      expect(h.refused.snapshots).toBeGreaterThanOrEqual(1)
      expect(h.lastError).toContain('policy snapshot refused')
      expect(h.quotaStore).toBe('memory')
      // The forged snapshot would have lifted the revocation; nothing is admitted on it.
      const d = await decide(base, 'bad')
      expect(d.status).toBe(503)
      expect(await d.json()).toMatchObject({ error: 'policy_unavailable' })
      expect(out).toContain('REDIS_URL not set')
      expect(out).toContain('NOT LOADED')
      mode.tamper = false
      await waitFor('a genuine snapshot', async () => (await fetch(`${base}/health`)).status === 200, 10_000)
      expect((await decide(base, 'bad')).status).toBe(403)
      expect((await decide(base, 'good')).status).toBe(200)
      // The one-shot re-check a stream holder may poll instead of holding a watch.
      const check = (installId: string) =>
        fetch(`${base}/v1/streams/check`, {
          headers: { 'x-burnrate-install-id': installId, 'x-burnrate-tenant': 't', 'x-burnrate-feature': 'f', 'x-request-id': 's-1' },
        })
      expect((await check('good')).status).toBe(200)
      const cut = await check('bad')
      expect(cut.status).toBe(403)
      expect(await cut.json()).toMatchObject({ allowed: false, rule_kind: 'revoked', policy_version: 3 })
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
    }
  }, 60_000)

  it('policy older than the bound: fail closed answers 503, fail open admits on the policy held', async () => {
    mode.tamper = false
    mode.down = false
    const start = (failMode: 'closed' | 'open') =>
      startEnforcer({
        host: '127.0.0.1',
        port: 0,
        replica: failMode,
        policyUrl: url,
        brokers: [],
        policyTopic: 'x',
        eventsTopic: 'x',
        group: 'x',
        clientId: 'x',
        failMode,
        maxStalenessMs: 1_000,
        pollMs: 200,
        leaseMs: 60_000,
        streamLeaseMs: 30_000,
        defaultMaxOutput: 100,
        log: () => {},
      })
    const enforcers: RunningEnforcer[] = [await start('closed'), await start('open')]
    try {
      const [closed, open] = enforcers
      expect((await decide(closed.url, 'good')).status).toBe(200)
      mode.down = true
      await waitFor('staleness', async () => closed.health().stale === true && open.health().stale === true, 5_000)
      const refused = await decide(closed.url, 'good')
      expect(refused.status).toBe(503)
      expect(await refused.json()).toMatchObject({ error: 'policy_stale' })
      const admitted = await decide(open.url, 'good')
      expect(admitted.status).toBe(200)
      expect(admitted.headers.get('x-burnrate-policy')).toBe('stale')
      expect((await decide(open.url, 'bad')).status).toBe(403)
      const h = (await (await fetch(`${closed.url}/health`)).json()) as { version: number; ageMs: number; stale: boolean }
      expect(h).toMatchObject({ version: 3, stale: true })
      expect(h.ageMs).toBeGreaterThan(1_000)
      mode.down = false
      await waitFor('fresh again', async () => closed.health().stale === false, 5_000)
      expect((await decide(closed.url, 'good')).status).toBe(200)
    } finally {
      mode.down = false
      for (const e of enforcers) await e.stop()
    }
  })
})
