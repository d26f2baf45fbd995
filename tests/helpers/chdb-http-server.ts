import { createServer, type IncomingMessage, type Server } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { Session } from 'chdb'

/**
 * A stand-in for a ClickHouse server's HTTP interface, backed by chDB: tests and
 * benchmarks use it to run Burnrate in server mode (CLICKHOUSE_URL set) on a
 * machine without a ClickHouse server. It speaks the part of the protocol
 * @clickhouse/client uses: the statement in the body or in `query=` with the
 * data in the body, `param_*` query parameters, settings as URL parameters,
 * `/ping`, and errors as HTTP 500 with ClickHouse's `Code: N. DB::Exception`
 * text. The engine behind it is the same chDB as the embedded mode, so what it
 * checks is the HTTP path: JSONEachRow inserts, settings and parameters sent
 * over the wire, a server that stops answering. It is not a ClickHouse server:
 * no users, no compression, no progress headers.
 */

/** URL parameters that steer the HTTP handler rather than name a setting. */
const NOT_SETTINGS = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'role',
  'user',
  'password',
  'compress',
  'decompress',
  'enable_http_compression',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_zlib_compression_level',
])

/**
 * Where chDB's defaults differ from a ClickHouse server's (25.8, as compose
 * pins) in ways the client can see: a server parses only basic DateTime text
 * unless a request asks for more. (Both leave 64-bit integers unquoted in JSON
 * since 25.8; the embedded store quotes them, so the suite runs both ways.)
 */
const SERVER_DEFAULTS: ReadonlyMap<string, string> = new Map([['date_time_input_format', 'basic']])

/** `{name:Type}` placeholders of a statement. */
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:[^{}]+\}/g

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A ClickHouse SQL string literal of `value`, whatever it contains. */
function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/**
 * One chDB session with the statements queued on it. chDB runs one statement at
 * a time per session and keeps SET values for the session's lifetime, so every
 * request restores the settings an earlier request changed (a server scopes
 * URL settings to their own request).
 */
class Lane {
  private tail: Promise<unknown> = Promise.resolve()
  private overridden = new Set<string>()
  pending = 0

  constructor(readonly session: Session) {}

  run(request: ParsedRequest): Promise<{ bytes: Buffer; rows: number }> {
    this.pending += 1
    const result = this.tail.then(() => this.execute(request))
    this.tail = result.catch(() => undefined).finally(() => (this.pending -= 1))
    return result
  }

  private async execute(request: ParsedRequest) {
    // A parameter set by an earlier request stays in the session; a server
    // would refuse a statement whose parameter this request did not send.
    for (const [, name] of request.query.matchAll(PLACEHOLDER)) {
      if (!request.params.has(name)) throw new Error(`Code: 456. DB::Exception: Substitution \`${name}\` is not set. (UNKNOWN_QUERY_PARAMETER)`)
    }
    const prelude = [`USE ${request.database}`]
    const settings = new Map([...SERVER_DEFAULTS, ...request.settings])
    for (const key of this.overridden) if (!settings.has(key)) prelude.push(`SET ${key} = DEFAULT`)
    // Quoted, as a server reads every URL setting from text.
    for (const [key, value] of settings) prelude.push(`SET ${key} = ${sqlString(value)}`)
    // Parameters arrive already in ClickHouse's escaped text form, which is
    // exactly what a `param_` setting holds.
    for (const [name, value] of request.params) prelude.push(`SET param_${name} = ${sqlString(value)}`)
    const sql = `${prelude.join(';\n')};\n${request.data === null ? request.query : `${request.query}\n${request.data}`}`
    try {
      const result = (await this.session.queryAsync(sql, { format: request.format })) as unknown as {
        bytes(): Uint8Array
        rowsRead?: number
      }
      this.overridden = new Set(settings.keys())
      const raw = result.bytes()
      return { bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), rows: result.rowsRead ?? 0 }
    } catch (err) {
      // How far the SETs got is unknown: treat all as changed, except one the
      // engine refused as unknown (resetting it would fail every later request).
      const unknown = /Unknown setting[^A-Za-z0-9_]*([A-Za-z0-9_]+)/.exec(err instanceof Error ? err.message : String(err))?.[1]
      this.overridden = new Set([...this.overridden, ...settings.keys()].filter((k) => k !== unknown))
      throw err
    }
  }
}

interface ParsedRequest {
  /** The statement, without an INSERT's data. */
  query: string
  data: string | null
  database: string
  format: string
  settings: Map<string, string>
  params: Map<string, string>
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body
}

function parseRequest(url: URL, body: Buffer): ParsedRequest {
  const search = url.searchParams
  const settings = new Map<string, string>()
  const params = new Map<string, string>()
  for (const [key, value] of search) {
    if (key.startsWith('param_')) params.set(key.slice('param_'.length), value)
    else if (!NOT_SETTINGS.has(key) && !key.startsWith('http_')) settings.set(key, value)
  }
  for (const name of [...settings.keys(), ...params.keys()]) {
    if (!IDENTIFIER.test(name)) throw new Error(`Code: 115. DB::Exception: Unknown setting or parameter name ${JSON.stringify(name)}. (UNKNOWN_SETTING)`)
  }
  const database = search.get('database') ?? 'default'
  if (!IDENTIFIER.test(database)) throw new Error(`Code: 81. DB::Exception: Database ${JSON.stringify(database)} is not a valid name. (UNKNOWN_DATABASE)`)
  const query = search.get('query')
  // With `query=` in the URL the body is the data (an INSERT's rows);
  // otherwise the body is the statement.
  const format = search.get('default_format') ?? 'TabSeparated'
  if (query === null) return { query: body.toString('utf8'), data: null, database, format, settings, params }
  return { query, data: body.length > 0 ? body.toString('utf8') : null, database, format, settings, params }
}

export interface ChdbHttpServer {
  url: string
  close: () => Promise<void>
}

/** Serves chDB on `dataDir` at http://127.0.0.1:`port` (0: any free port). */
export async function startChdbHttpServer(opts: { dataDir: string; port?: number; sessions?: number }): Promise<ChdbHttpServer> {
  const lanes = Array.from({ length: opts.sessions ?? 4 }, () => new Lane(new Session(opts.dataDir)))
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/ping' || (req.method === 'GET' && url.pathname === '/' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Ok.\n')
      return
    }
    try {
      const request = parseRequest(url, await readBody(req))
      const lane = lanes.reduce((best, lane) => (lane.pending < best.pending ? lane : best))
      const { bytes, rows } = await lane.run(request)
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Query-Id': url.searchParams.get('query_id') ?? '',
        'X-ClickHouse-Summary': JSON.stringify({
          read_rows: String(rows),
          read_bytes: '0',
          written_rows: '0',
          written_bytes: '0',
          total_rows_to_read: '0',
          result_rows: String(rows),
          result_bytes: String(bytes.length),
          elapsed_ns: '0',
        }),
      })
      res.end(bytes)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      const code = /^Code: (\d+)\./.exec(message)?.[1] ?? '1001'
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': code })
      res.end(message.startsWith('Code: ') ? `${message}\n` : `Code: ${code}. DB::Exception: ${message}. (UNKNOWN_EXCEPTION)\n`)
    }
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      for (const lane of lanes) lane.session.close()
    },
  }
}
