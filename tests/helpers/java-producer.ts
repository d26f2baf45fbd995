import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

/** One line of tests/helpers/JavaProducer.java's script. */
export type JavaStep =
  { send: { key: string | null; value: string; headers?: Record<string, string>; partition?: number } } | 'begin' | 'commit' | 'abort' | 'flush'

let libsDir: Promise<string> | undefined

/** The broker's jar directory (scripts/kafka/fetch.sh prints it; the jars are cached by the broker's start). */
export function kafkaLibs(): Promise<string> {
  libsDir ??= new Promise((resolve, reject) =>
    execFile('bash', ['scripts/kafka/fetch.sh'], { cwd: ROOT }, (e, stdout) => (e ? reject(e) : resolve(stdout.trim()))),
  )
  return libsDir
}

function line(step: JavaStep): string {
  if (typeof step === 'string') return step
  const { key, value, headers, partition } = step.send
  if (/[\t\n]/.test(value) || (key !== null && /[\t\n]/.test(key))) throw new Error('tabs and newlines cannot be sent through the script file')
  const h = Object.entries(headers ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(';')
  return ['send', key ?? '\\N', value, h, partition ?? ''].join('\t')
}

/** Runs Apache Kafka's Java producer over the steps with the given producer properties; resolves with the number sent. */
export async function runJavaProducer(brokers: string, topic: string, steps: JavaStep[], props: Record<string, string>): Promise<number> {
  const libs = await kafkaLibs()
  const dir = mkdtempSync(join(tmpdir(), 'burnrate-java-'))
  const script = join(dir, 'script.tsv')
  writeFileSync(script, steps.map(line).join('\n') + '\n')
  try {
    return await new Promise<number>((resolve, reject) => {
      const args = [
        '-Xmx256m',
        '-cp',
        `${libs}/*`,
        'tests/helpers/JavaProducer.java',
        brokers,
        topic,
        script,
        ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
      ]
      execFile('java', args, { cwd: ROOT, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 }, (e, stdout, stderr) => {
        const m = /^SENT (\d+)$/m.exec(stdout)
        if (e || !m) reject(new Error(`Java producer failed: ${e?.message ?? ''}\n${stderr.slice(-3000)}`))
        else resolve(Number(m[1]))
      })
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
