// Helpers for tests that need a real Kafka broker.
//
// Brokers are started/stopped by scripts/kafka/start.sh / stop.sh (single node,
// KRaft, 127.0.0.1, run dir .cache/kafka/run/<name>). `npm test` (scripts/test.sh)
// already starts one named "test" and exports KAFKA_BROKERS; most tests should just
// call brokersFromEnv(). Use startBroker/stopBroker with your own name only for
// fault tests that need to stop/restart a broker (keepData: true restarts it on the
// same port with the same data so clients can reconnect).
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const START = path.join(ROOT, 'scripts', 'kafka', 'start.sh')
const STOP = path.join(ROOT, 'scripts', 'kafka', 'stop.sh')

export interface StartBrokerOptions {
  /** Reuse the data dir and port of a previous broker with this name (KAFKA_KEEP_DATA=1). */
  keepData?: boolean
  /** Client port on 127.0.0.1 (KAFKA_PORT); default: a free port, or the previous one with keepData. */
  port?: number
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script, ...args], { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${path.basename(script)} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
      } else {
        resolve(stdout)
      }
    })
  })
}

/**
 * Start (or restart) the broker run named `name`. Resolves once it answers
 * kafkajs admin requests. The first call may fetch the broker jars via Maven.
 */
export async function startBroker(name: string, opts: StartBrokerOptions = {}): Promise<{ brokers: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_KEEP_DATA: opts.keepData ? '1' : '0' }
  delete env.KAFKA_PORT
  delete env.KAFKA_CONTROLLER_PORT
  if (opts.port !== undefined) env.KAFKA_PORT = String(opts.port)
  const stdout = await run(START, [name], env, 180_000)
  const match = /^KAFKA_BROKERS=(\S+)$/m.exec(stdout)
  if (!match) throw new Error(`start.sh ${name} did not print KAFKA_BROKERS=...; stdout was:\n${stdout}`)
  return { brokers: match[1] }
}

/** Stop the broker run named `name` (SIGTERM, then SIGKILL after 20s). Idempotent; keeps its data. */
export async function stopBroker(name: string): Promise<void> {
  await run(STOP, [name], process.env, 60_000)
}

/** The broker list of the shared test broker, from KAFKA_BROKERS. */
export function brokersFromEnv(): string {
  const brokers = process.env.KAFKA_BROKERS?.trim()
  if (!brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set. Run the tests with `npm test` (scripts/test.sh starts a broker), ' +
        'or start one with `bash scripts/kafka/start.sh` and export the KAFKA_BROKERS=... line it prints, ' +
        'or point KAFKA_BROKERS at an external broker (host:port[,host:port]).',
    )
  }
  return brokers
}

/** KAFKA_BROKERS as the array kafkajs expects. */
export function brokerListFromEnv(): string[] {
  return brokersFromEnv()
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
}
