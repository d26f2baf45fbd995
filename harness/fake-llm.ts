import { Kafka, logLevel, type Producer } from 'kafkajs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SCHEMA_VERSION } from '../lib/events/schema'

/**
 * A fake LLM provider behind nginx, doing what the service in front of a real
 * provider does for Burnrate: it honours the enforcer's output cap
 * (X-Burnrate-Max-Output-Tokens), emits the gateway's event for each call to
 * the events topic (docs/events.md: event_id / stream_id = the request id
 * nginx passed, so the enforcer settles the reservation), and holds a watch
 * on the enforcer for every open stream, cutting it when told it is revoked.
 *
 * POST /v1/chat/completions, JSON body: { stream?, tokens? (output to produce, default 20), interval_ms? (per SSE token) }.
 */
export interface FakeCall {
  requestId: string
  installId: string
  stream: boolean
  cap: number | null
  produced: number
  endReason: 'completed' | 'client_disconnect' | 'cut_by_policy' | null
  /** When the stream was cut for a revocation (ms epoch). */
  cutAt?: number
}

export interface FakeLlm {
  url: string
  port: number
  calls: FakeCall[]
  /** Enforcer the streams are watched on (set after the enforcer starts). */
  watchUrl: string | null
  stop: () => Promise<void>
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export async function startFakeLlm(opts: { brokers: string[]; topic: string }): Promise<FakeLlm> {
  const kafka = new Kafka({ clientId: 'fake-llm', brokers: opts.brokers, logLevel: logLevel.NOTHING })
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const llm: FakeLlm = { url: '', port: 0, calls: [], watchUrl: null, stop: async () => {} }
  const emit = (event: Record<string, unknown>) =>
    producer.send({ topic: opts.topic, acks: -1, messages: [{ key: String(event.install_id), value: JSON.stringify(event) }] }).catch(() => {})

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = ''
    for await (const chunk of req) raw += chunk
    const body = (raw ? JSON.parse(raw) : {}) as { stream?: boolean; tokens?: number; interval_ms?: number }
    const requestId = header(req, 'x-request-id') ?? 'none'
    const capText = header(req, 'x-burnrate-max-output-tokens')
    const cap = capText ? Number(capText) : null
    const ctx = {
      installId: header(req, 'x-burnrate-install-id') ?? 'unknown',
      tenant: header(req, 'x-burnrate-tenant') ?? 't',
      feature: header(req, 'x-burnrate-feature') ?? 'f',
      model: header(req, 'x-burnrate-model') ?? 'gpt-4o-mini',
    }
    const promptTokens = Number(header(req, 'x-burnrate-context-tokens') ?? Math.ceil(Buffer.byteLength(raw) / 4))
    const want = Math.min(body.tokens ?? 20, cap ?? Number.POSITIVE_INFINITY)
    const call: FakeCall = { requestId, installId: ctx.installId, stream: Boolean(body.stream), cap, produced: 0, endReason: null }
    llm.calls.push(call)
    const started = Date.now()
    const common = {
      schema_version: SCHEMA_VERSION,
      tenant_id: ctx.tenant,
      install_id: ctx.installId,
      app_id: 'com.example.app',
      app_version: '1.0',
      platform: 'android',
      feature: ctx.feature,
      model: ctx.model,
      prompt_tokens: promptTokens,
      context_tokens: promptTokens,
      prompt_bytes: Buffer.byteLength(raw),
    }
    if (!body.stream) {
      call.produced = want
      call.endReason = 'completed'
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: requestId, usage: { prompt_tokens: promptTokens, completion_tokens: want } }))
      await emit({
        ...common,
        type: 'llm_request',
        event_id: requestId,
        ts: Date.now(),
        completion_tokens: want,
        outcome: 'served',
        latency_ms: Date.now() - started,
      })
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
    const watch = new AbortController()
    let finished = false
    const finish = async (reason: NonNullable<FakeCall['endReason']>) => {
      if (finished) return
      finished = true
      clearInterval(timer)
      watch.abort()
      call.endReason = reason
      if (reason === 'cut_by_policy') {
        call.cutAt = Date.now()
        res.end('event: error\ndata: {"error":"cut_by_policy"}\n\n')
      } else if (reason === 'completed') res.end('data: [DONE]\n\n')
      await emit({
        ...common,
        type: 'stream',
        event_id: `${requestId}-end`,
        ts: Date.now(),
        completion_tokens: call.produced,
        stream_id: requestId,
        transport: 'sse',
        duration_ms: Date.now() - started,
        end_reason: reason,
      })
    }
    const timer = setInterval(() => {
      if (call.produced >= want) return void finish('completed')
      call.produced++
      res.write(`data: {"token":${call.produced}}\n\n`)
    }, body.interval_ms ?? 20)
    res.on('close', () => void finish('client_disconnect'))
    if (llm.watchUrl) {
      // The enforcer's watch: `event: revoked` means cut now.
      fetch(`${llm.watchUrl}/v1/streams/watch`, {
        signal: watch.signal,
        headers: { 'x-burnrate-install-id': ctx.installId, 'x-burnrate-tenant': ctx.tenant, 'x-burnrate-feature': ctx.feature, 'x-request-id': requestId },
      })
        .then(async (w) => {
          const reader = w.body!.getReader()
          let text = ''
          for (;;) {
            const { value, done } = await reader.read()
            if (done) break
            text += new TextDecoder().decode(value)
            if (text.includes('event: revoked')) return finish('cut_by_policy')
          }
        })
        .catch(() => {})
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(err))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  llm.port = (server.address() as AddressInfo).port
  llm.url = `http://127.0.0.1:${llm.port}`
  llm.stop = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()))
    server.closeAllConnections()
    await closed
    await producer.disconnect().catch(() => {})
  }
  return llm
}
