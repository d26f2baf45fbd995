import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'
import { startRedis } from '../harness/redis'
import { RedisQuotaStore } from '../lib/enforcement/redis-quota'

/**
 * `npx tsx bench/enforcer-redis-client.ts`: the enforcer process's own CPU per Redis call (process.cpuUsage),
 * the part of a decision that the Redis quotas add. Calls are issued `batch` at a time and awaited together:
 * batch 1 is how decisions reach the enforcer (one per socket read), batch 8 is what auto-pipelining would need
 * to pay off. Compared: RedisQuotaStore.reserve (one EVALSHA) with ioredis auto-pipelining on and off, and the
 * floor of one round trip, a raw RESP PING on a bare socket (no client library), over TCP and a unix socket.
 */
const reserveOf = (tag: string, i: number) => ({
  installId: `i-${i % 2000}`,
  leaseId: `${tag}-${i}`,
  contextTokens: 300,
  wantOutput: 512,
  stream: false,
  limits: { tokensPerMinute: 1e9 },
  price: { input: 150_000, output: 600_000 },
  leaseMs: 60_000,
})

export interface ClientRow {
  label: string
  batch: number
  cpuUs: number
  wallUs: number
}

async function cpuPerCall(label: string, call: (i: number) => Promise<unknown>, n: number, batch: number): Promise<ClientRow> {
  for (let i = 0; i < 3000; i += batch) await Promise.all(Array.from({ length: batch }, (_, k) => call(-1 - i - k))) // warm-up
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i += batch) await Promise.all(Array.from({ length: batch }, (_, k) => call(i + k)))
  const cpu = process.cpuUsage(cpu0)
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000
  const row = { label, batch, cpuUs: (cpu.user + cpu.system) / n, wallUs: wallUs / n }
  console.log(`${label}, batch ${batch}: ${row.cpuUs.toFixed(1)} µs CPU per call, ${row.wallUs.toFixed(1)} µs wall`)
  return row
}

/** PING in RESP on a bare socket: one reply line per call, answered in order. */
function rawPing(to: { port: number } | { path: string }) {
  const s = 'path' in to ? connect(to.path) : connect(to.port, '127.0.0.1')
  s.setNoDelay(true)
  const waiting: (() => void)[] = []
  s.on('data', (d: Buffer) => {
    for (const b of d) if (b === 10) waiting.shift()!()
  })
  return {
    call: () =>
      new Promise<void>((r) => {
        waiting.push(r)
        s.write('*1\r\n$4\r\nPING\r\n')
      }),
    close: () => s.destroy(),
  }
}

/** Also run by benchEnforcer (bench/enforcer.ts), in the bench's own process (not pinned). */
export async function redisClientCosts(n = 20_000): Promise<ClientRow[]> {
  const rows: ClientRow[] = []
  const tcp = await startRedis()
  const sock = join(tmpdir(), `br-redis-${process.pid}.sock`)
  const unix = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  try {
    for (const auto of [true, false]) {
      const store = new RedisQuotaStore(tcp.url, { autoPipelining: auto })
      await store.ready()
      for (const batch of [1, 8])
        rows.push(
          await cpuPerCall(
            `reserve (EVALSHA), ioredis, auto-pipelining ${auto ? 'on' : 'off'}, TCP`,
            (i) => store.reserve(reserveOf(`${auto}${batch}`, i)),
            n,
            batch,
          ),
        )
      await store.close()
    }
    await new Promise((r) => setTimeout(r, 300)) // the unix-socket server is up by now
    for (const [name, to] of [
      ['TCP', { port: tcp.port }],
      ['unix socket', { path: sock }],
    ] as const) {
      const raw = rawPing(to)
      rows.push(await cpuPerCall(`PING, bare socket (no client), ${name}`, () => raw.call(), n, 1))
      raw.close()
      const io = 'path' in to ? new Redis({ path: to.path }) : new Redis({ port: to.port, host: '127.0.0.1' })
      rows.push(await cpuPerCall(`PING, ioredis, ${name}`, () => io.ping(), n, 1))
      io.disconnect()
    }
  } finally {
    unix.kill()
    await tcp.stop()
  }
  return rows
}

if (require.main === module) void redisClientCosts()
