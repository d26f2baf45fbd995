import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

/** Runs `cli/ingest.ts` as its own process, the way `npm run ingest` does. */
export function spawnIngest(env: Record<string, string>): ChildProcess & { output: () => string } {
  let output = ''
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/ingest.ts'], {
    cwd: ROOT,
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  return Object.assign(child, { output: () => output })
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}
