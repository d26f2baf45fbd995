import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, waitFor } from './free-port'

export interface NginxRun {
  url: string
  port: number
  dir: string
  errorLog: () => string
  stop: () => Promise<void>
}

/** Whether Debian's nginx is installed (.ci/run and scripts/stack.sh install it). */
export const hasNginx = () => spawnSync('nginx', ['-v']).status === 0

/** The shipped location blocks users include in their server block (docker/nginx/burnrate-locations.conf). */
export const SHIPPED_LOCATIONS = resolve(__dirname, '../docker/nginx/burnrate-locations.conf')

/**
 * Debian's nginx in the foreground on a free loopback port, with its own
 * prefix directory (config, pid, logs, temp files): the shipped
 * burnrate-locations.conf in front of `llm`, deciding with `enforcers`.
 */
export async function startNginx(opts: { enforcers: number[]; llmPort: number }): Promise<NginxRun> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'br-nginx-'))
  for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d))
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  # max_fails=0: on this shared test machine one replica can stall past the 2 s decision timeout; nginx would
  # then take it out for 10 s and, with both out, answer 503 to everything. Production keeps the defaults.
  upstream burnrate_enforcer {
${opts.enforcers.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 32;
  }
  upstream llm { server 127.0.0.1:${opts.llmPort}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    include ${SHIPPED_LOCATIONS};
  }
}
`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const test = spawnSync('nginx', ['-t', '-p', dir, '-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' })
  if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`)
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  try {
    await waitFor(
      `nginx on ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`)
        await fetch(`http://127.0.0.1:${port}/`)
        return true
      },
      10_000,
    )
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'logs/error.log'), 'utf8')
    } catch {
      return ''
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    errorLog,
    stop: () =>
      new Promise((done) => {
        const finish = () => {
          rmSync(dir, { recursive: true, force: true })
          done()
        }
        if (child.exitCode !== null) return finish()
        child.once('exit', finish)
        child.kill('SIGQUIT')
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
      }),
  }
}
