import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

/**
 * Open-loop HTTP/1.1 load generator for the enforcer bench, run as its own
 * process (bench/enforcer.ts pins it to a core of its own with taskset):
 *   node --import tsx bench/load-gen.ts '<json LoadSpec>'   → one JSON LoadResult line on stdout
 *
 * Why not node's http client in the bench process: it costs more CPU per request than the server it measures,
 * on the same 2 cores, and its timer-driven sender hid queueing (coordinated omission). Here:
 *  - requests are due at fixed times (t0 + k / rate) whatever the answers do, and each latency is taken from the
 *    request's DUE time, so a stall in the server (or in this generator) shows in every request it delayed;
 *  - keep-alive raw sockets, one request in flight per socket, requests pre-encoded, a minimal response parser;
 *  - the sender polls the clock on every event-loop turn (setImmediate) so requests leave within microseconds
 *    of their due time; it reports its own lateness (send lag) so the reader can see what it added;
 *  - percentiles are exact (every latency kept, sorted), not bucketed.
 */
export interface LoadSpec {
  port: number
  path: string
  rate: number
  seconds: number
  /** Sockets opened before the run; a due request with none free waits (and that wait is counted). */
  connections: number
  /** Installs cycled through (x-burnrate-install-id i-<k % installs>). */
  installs: number
}

export interface LoadResult {
  rate: number
  sent: number
  completed: number
  errors: number
  achieved: number
  /** Latency from due time to the response's last byte, ms. */
  p50: number
  p99: number
  p999: number
  max: number
  /** Actual send time minus due time, ms: the generator's own lateness (queued behind busy sockets included). */
  sendLagP99: number
  statuses: Record<string, number>
}

const quantile = (sorted: Float64Array, n: number, q: number) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))])

function requestBytes(path: string, k: number, installs: number): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-burnrate-install-id: i-${k % installs}\r\nx-burnrate-tenant: t1\r\n` +
      `x-burnrate-feature: chat\r\nx-burnrate-model: gpt-4o-mini\r\nx-burnrate-context-tokens: 300\r\nx-request-id: r-${k}\r\n\r\n`,
  )
}

const CL = Buffer.from('\r\ncontent-length:')
/** Content-Length of the answer whose head ends at `end`, read from the bytes (both servers send it lower-case). */
function contentLength(buf: Buffer, end: number): number {
  let i = buf.indexOf(CL)
  if (i < 0 || i > end) {
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.toString('latin1', 0, end))
    return m ? Number(m[1]) : 0
  }
  i += CL.length
  while (buf[i] === 32) i++
  let n = 0
  while (buf[i] >= 48 && buf[i] <= 57) n = n * 10 + buf[i++] - 48
  return n
}

interface Conn {
  socket: Socket
  buf: Buffer | null
  due: number
  busy: boolean
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const total = Math.round(spec.rate * spec.seconds)
  const lat = new Float64Array(total)
  const lag = new Float64Array(total)
  let completed = 0
  let lagged = 0
  let errors = 0
  const statuses: Record<string, number> = {}
  const free: Conn[] = []
  const waiting: number[] = [] // due request indexes with no free socket
  const dueOf = (k: number) => t0 + (k * 1000) / spec.rate
  let t0 = 0

  // Every request encoded before the clock starts: no string building or allocation on the send path (the
  // generator's own young-generation GCs showed up as send lag, and in the latency of whatever it measured).
  const requests = Array.from({ length: total }, (_, k) => requestBytes(spec.path, k, spec.installs))
  const send = (c: Conn, k: number) => {
    c.busy = true
    c.due = dueOf(k)
    lag[lagged++] = performance.now() - c.due
    c.socket.write(requests[k])
  }
  const finish = (c: Conn, status: string) => {
    lat[completed++] = performance.now() - c.due
    statuses[status] = (statuses[status] ?? 0) + 1
    c.busy = false
    const next = waiting.shift()
    if (next !== undefined) send(c, next)
    else free.push(c)
  }
  // Answers are small and carry Content-Length (both servers set it): status line, headers, body.
  const onData = (c: Conn, chunk: Buffer) => {
    let buf: Buffer = c.buf ? Buffer.concat([c.buf, chunk]) : chunk
    for (;;) {
      const end: number = buf.indexOf('\r\n\r\n')
      if (end < 0) break
      const size = end + 4 + contentLength(buf, end)
      if (buf.length < size) break
      finish(c, buf.toString('latin1', 9, 12))
      buf = buf.subarray(size)
      if (buf.length === 0) break
    }
    c.buf = buf.length ? buf : null
  }

  const conns: Conn[] = await Promise.all(
    [...Array(spec.connections)].map(
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = connect(spec.port, '127.0.0.1')
          const c: Conn = { socket, buf: null, due: 0, busy: false }
          socket.setNoDelay(true)
          socket.once('connect', () => resolve(c))
          socket.once('error', reject)
        }),
    ),
  )
  for (const c of conns) {
    c.socket.removeAllListeners('error')
    c.socket.on('data', (d) => onData(c, d))
    c.socket.on('error', () => {
      if (c.busy) {
        errors++
        c.busy = false
      }
    })
    free.push(c)
  }

  t0 = performance.now()
  let next = 0
  await new Promise<void>((done) => {
    const deadline = t0 + spec.seconds * 1000 + 10_000
    const turn = () => {
      const now = performance.now()
      while (next < total && dueOf(next) <= now) {
        const c = free.pop()
        if (c) send(c, next)
        else waiting.push(next)
        next++
      }
      if ((next >= total && completed + errors >= total) || now > deadline) return done()
      setImmediate(turn)
    }
    turn()
  })
  const elapsed = (performance.now() - t0) / 1000
  for (const c of conns) c.socket.destroy()
  const sortedLat = lat.subarray(0, completed).sort()
  const sortedLag = lag.subarray(0, lagged).sort()
  return {
    rate: spec.rate,
    sent: lagged,
    completed,
    errors: errors + (total - completed - errors),
    achieved: completed / elapsed,
    p50: quantile(sortedLat, completed, 0.5),
    p99: quantile(sortedLat, completed, 0.99),
    p999: quantile(sortedLat, completed, 0.999),
    max: completed ? sortedLat[completed - 1] : NaN,
    sendLagP99: quantile(sortedLag, lagged, 0.99),
    statuses,
  }
}

if (process.argv[1]?.endsWith('load-gen.ts') && process.argv[2]) {
  runLoad(JSON.parse(process.argv[2]) as LoadSpec).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`)
      process.exit(0)
    },
    (err) => {
      process.stderr.write(`load-gen: ${(err as Error).message}\n`)
      process.exit(1)
    },
  )
}
