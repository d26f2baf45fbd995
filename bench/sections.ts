/**
 * The plumbing of `npm run bench` (bench/main.ts): the bench's own Kafka
 * broker run, and the sections written as separate files, each run in a child
 * process of its own and turned into report rows.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fmt } from './stats'
import type { ReportRow } from './report'

const ROOT = join(__dirname, '..')

export const EXTERNAL: Record<string, { file: string; fn: string }> = {
  ceiling: { file: 'insert-ceiling.ts', fn: 'benchInsertCeiling' },
  disk: { file: 'disk-simulated.ts', fn: 'benchDiskSimulated' },
  dashboard: { file: 'dashboard-latency.ts', fn: 'benchDashboard' },
  policy: { file: 'policy-latency.ts', fn: 'benchPolicyLatency' },
  detection: { file: 'detection-latency.ts', fn: 'benchDetectionLatency' },
  enforcer: { file: 'enforcer.ts', fn: 'benchEnforcer' },
  'enforcer-revoke': { file: 'enforcer-revoke.ts', fn: 'benchEnforcerRevoke' },
  'long-range': { file: 'dashboard-long-range.ts', fn: 'benchLongRangeSection' },
}

export function startBroker(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['scripts/kafka/start.sh', name],
      { cwd: ROOT, env: { ...process.env, KAFKA_KEEP_DATA: '0' }, timeout: 240_000 },
      (err, stdout, stderr) => {
        const m = /^KAFKA_BROKERS=(\S+)$/m.exec(stdout)
        if (err || !m) reject(new Error(`could not start the bench broker: ${err?.message ?? ''}\n${stderr.slice(-2000)}`))
        else resolve(m[1])
      },
    )
  })
}
export const stopBroker = (name: string) => new Promise((r) => execFile('bash', ['scripts/kafka/stop.sh', name], { cwd: ROOT }, () => r(null)))

/** Sections written by others each open their own store: run them in a child process so no two chDB directories share one. */
export async function runExternal(name: string, arg: unknown): Promise<unknown> {
  const spec = EXTERNAL[name]
  if (!existsSync(join(__dirname, spec.file))) return undefined
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--child', name, '--arg', JSON.stringify(arg)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d
      for (const line of d.toString().split('\n')) if (line && !line.startsWith('RESULT ')) console.log(`    ${name}: ${line}`)
    })
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)))
      else reject(new Error(`${name} section exited with ${code}`))
    })
  })
}

export async function childMain(name: string, arg: unknown) {
  const spec = EXTERNAL[name]
  const mod = (await import(`./${spec.file}`)) as Record<string, (a: unknown) => Promise<unknown>>
  const result = await mod[spec.fn](arg)
  console.log(`RESULT ${JSON.stringify(result)}`)
  process.exit(0)
}

/** Turns whatever an external section returns into table rows without knowing its shape in advance. */
export function externalRows(section: string, result: unknown): ReportRow[] {
  const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] })?.rows ?? [result])
  return rows.map((r, i) => {
    const o = r as Record<string, unknown>
    if (typeof o.ours === 'string') {
      return {
        section,
        metric: String(o.metric),
        ours: o.ours,
        reference: String(o.reference ?? '—'),
        ratio: String(o.ratio ?? '—'),
        target: String(o.target ?? ''),
      }
    }
    const label =
      String(o.endpoint ?? o.name ?? o.metric ?? o.mode ?? `#${i + 1}`) + ((o.events ?? o.size) ? ` @ ${fmt(Number(o.events ?? o.size))} events` : '')
    const num = (k: string) => (typeof o[k] === 'number' ? `${fmt(o[k] as number, 1)} ms` : '')
    return {
      section,
      metric: label,
      ours: [num('p50') && `p50 ${num('p50')}`, num('p95') && `p95 ${num('p95')}`].filter(Boolean).join(', ') || JSON.stringify(o).slice(0, 120),
      reference: o.reference !== undefined ? String(o.reference) : o.raw !== undefined ? JSON.stringify(o.raw).slice(0, 80) : '—',
      ratio: o.ratio !== undefined ? String(o.ratio) : '—',
      target: '',
    }
  })
}
