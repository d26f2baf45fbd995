import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startChdbHttpServer } from './chdb-http-server'

/**
 * `npm run store:http -- --data DIR --port 8123`: serves chDB on DIR over
 * ClickHouse's HTTP interface, so server mode (CLICKHOUSE_URL) can be tested
 * on a machine without a ClickHouse server. See chdb-http-server.ts.
 */
async function main() {
  const { values } = parseArgs({ options: { data: { type: 'string', default: './data-http' }, port: { type: 'string', default: '8123' } } })
  const dataDir = resolve(values.data)
  mkdirSync(dataDir, { recursive: true })
  const server = await startChdbHttpServer({ dataDir, port: Number(values.port) })
  console.log(`chDB over HTTP on ${dataDir}: ${server.url}`)
  const stop = () => void server.close().then(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
