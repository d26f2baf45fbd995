// `npm start`: installs and builds what a fresh clone lacks, then serves the
// dashboard with in-process ingest (embedded chDB + simulator by default).
import { execSync, spawn } from 'node:child_process'
import { existsSync, statSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' })

if (!existsSync(join(root, 'node_modules/next'))) {
  // Not `npm ci`: see .ci/run; the lockfile still pins every version.
  console.log('[start] installing dependencies (npm install)…')
  run('npm install --no-audit --no-fund')
}

function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else newest = Math.max(newest, statSync(join(root, path)).mtimeMs)
  }
  return newest
}

const buildId = join(root, '.next/BUILD_ID')
const sources = ['app', 'components', 'lib'].filter((d) => existsSync(join(root, d)))
const stale = !existsSync(buildId) || sources.some((d) => newestSource(d) > statSync(buildId).mtimeMs)
if (stale) {
  console.log('[start] building the dashboard (next build)…')
  run('npx next build')
}

const port = process.env.PORT ?? '3000'
console.log(`[start] serving on http://localhost:${port}`)
// Idle keep-alive connections stay open 65 s, not Node's default 5 s: a client
// or proxy that reuses a connection the server is closing at that moment gets
// ECONNRESET (the e2e suite met it once). Proxies typically idle out at 60 s;
// the server must outlast them.
// NEXT_MANUAL_SIG_HANDLE: Next's own SIGTERM/SIGINT handler exits once the HTTP
// server has closed, cutting short the ingest drain and the detectors; the app
// runtime (lib/runtime/app-runtime.ts) handles the signals instead.
const env = { ...process.env, NEXT_MANUAL_SIG_HANDLE: 'true' }
const child = spawn(join(root, 'node_modules/.bin/next'), ['start', '-p', port, '--keepAliveTimeout', '65000'], { cwd: root, stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
