import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpAcker } from '../../lib/enforcement/http-ack'

// A slow app: each ack takes 150 ms to answer. Heartbeats must not pile up behind it.
const received: { gateway_id: string; policy_version: number; auth?: string }[] = []
let status = 200
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    received.push({ ...JSON.parse(body), auth: req.headers.authorization })
    setTimeout(() => res.writeHead(status).end('{}'), 150)
  })
})
let url = ''
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => void server.close())

describe('HttpAcker', () => {
  it('keeps one ack in flight and sends only the newest version asked for meanwhile', async () => {
    received.length = 0
    const logs: string[] = []
    const acker = new HttpAcker({ policyUrl: url, token: 't'.repeat(24), gatewayId: 'enforcer-a', log: (l) => logs.push(l) })
    const first = acker.ack(1)
    for (const v of [1, 2, 2, 3]) void acker.ack(v)
    await first
    expect(received.map((r) => r.policy_version)).toEqual([1, 3])
    expect(received[0]).toMatchObject({ gateway_id: 'enforcer-a', auth: `Bearer ${'t'.repeat(24)}` })
    expect(logs).toEqual([])
  })

  it('logs a refused ack once per failing streak, and when acks work again', async () => {
    received.length = 0
    const logs: string[] = []
    const acker = new HttpAcker({ policyUrl: url, token: 't'.repeat(24), gatewayId: 'enforcer-a', log: (l) => logs.push(l) })
    status = 403
    await acker.ack(1)
    await acker.ack(1)
    status = 200
    await acker.ack(2)
    expect(logs).toHaveLength(2)
    expect(logs[0]).toContain('POST /api/policy/ack answered 403')
    expect(logs[1]).toContain('work again (v2)')
  })
})
