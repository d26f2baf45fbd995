import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { freePort, waitFor } from './free-port'

export interface RedisRun {
  url: string
  port: number
  pid: number
  stop: () => Promise<void>
}

/** Whether Debian's redis-server is installed (.ci/run and scripts/stack.sh install it). */
export const hasRedisServer = () => spawnSync('redis-server', ['--version']).status === 0

const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'))
    s.once('data', (d) => {
      s.destroy()
      resolve(d.toString().startsWith('+PONG'))
    })
    s.once('error', () => resolve(false))
  })

/** A throwaway redis-server on a free loopback port (or `port`, to restart one): no persistence, stopped by stop(). */
export async function startRedis(port?: number): Promise<RedisRun> {
  port ??= await freePort()
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  try {
    await waitFor(`redis-server on ${port}`, () => ping(port), 10_000)
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}\n${out.slice(-2000)}`)
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
