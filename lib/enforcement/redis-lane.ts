import { createHash } from 'node:crypto'
import { connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import RedisParser from 'redis-parser'

/**
 * A Redis connection of its own for the allowance flushes (allowance-outbox.ts): every ALLOWANCE_FLUSH_MS one
 * write of EVALSHA commands, built here as one RESP string, and their replies read by redis-parser (the parser
 * ioredis itself uses). Why not ioredis: sent through it, the flushes made every scavenge of the enforcer promote
 * 340-370 KB to the old generation (its commands, their arguments, and with them the decisions' garbage), so each
 * scavenge paused 3-8.5 ms and the old generation grew until a mark-compact of 16-24 ms; the same flushes written
 * here promote ~20 KB (docs/benchmarks.md, Enforcer, session 19). Request-by-request calls stay on ioredis.
 *
 * Replies come back in order; an error reply is an Error in its place. A connection that fails or closes fails
 * what is in flight (the outbox keeps those conversions for its next flush) and the next send reconnects. A script
 * Redis no longer has (restarted, SCRIPT FLUSH) answers NOSCRIPT: the scripts are loaded again before the next send.
 */
export interface LaneOptions {
  /** redis:// or rediss:// with optional user, password and database, as REDIS_URL. */
  url: string
  /** Scripts by name, sent with EVALSHA. */
  scripts: Record<string, string>
  connectionName?: string
}

type Arg = string | number
interface Waiting {
  replies: unknown[]
  /** Replies to skip first: those of the commands this write sent before the caller's (AUTH, SELECT, SCRIPT LOAD). */
  skip: number
  want: number
  resolve: (replies: unknown[]) => void
  reject: (err: Error) => void
}

/** No reply this long: the connection is dropped and what is in flight fails (kept by the outbox for the next flush). */
const REPLY_TIMEOUT_MS = 2_000

const resp = (args: Arg[]): string => {
  let out = `*${args.length}\r\n`
  for (const a of args) {
    const v = typeof a === 'string' ? a : String(a)
    out += `$${Buffer.byteLength(v)}\r\n${v}\r\n`
  }
  return out
}

export class RedisLane {
  private socket: Socket | null = null
  private waiting: Waiting[] = []
  private scriptsLoaded = false
  private readonly shas: Record<string, string> = {}
  private timer: NodeJS.Timeout | null = null
  private closed = false

  constructor(private readonly o: LaneOptions) {
    for (const [name, lua] of Object.entries(o.scripts)) this.shas[name] = createHash('sha1').update(lua).digest('hex')
  }

  /** Arguments for one EVALSHA of a named script: its key count, keys, then other arguments. */
  script(name: string, numKeys: number, args: Arg[]): Arg[] {
    return ['EVALSHA', this.shas[name], numKeys, ...args]
  }

  /** Sends the commands in one write; resolves with one reply per command (an Error where Redis answered one). */
  send(commands: Arg[][]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new Error('redis lane closed'))
    const socket = this.socket ?? this.open()
    let out = ''
    let skip = 0
    if (!this.scriptsLoaded) {
      // Pipelined ahead of the calls: Redis runs them in order, so the EVALSHAs find their scripts.
      for (const lua of Object.values(this.o.scripts)) out += resp(['SCRIPT', 'LOAD', lua])
      skip = Object.keys(this.o.scripts).length
      this.scriptsLoaded = true
    }
    for (const c of commands) out += resp(c)
    return new Promise<unknown[]>((resolve, reject) => {
      this.waiting.push({ replies: [], skip, want: commands.length, resolve, reject })
      this.armTimer()
      socket.write(out)
    })
  }

  private open(): Socket {
    const u = new URL(this.o.url)
    const port = Number(u.port || 6379)
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const socket = u.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : tcpConnect({ host, port })
    socket.setNoDelay(true)
    this.socket = socket
    this.scriptsLoaded = false
    const parser = new RedisParser({
      returnReply: (reply: unknown) => this.reply(reply),
      returnError: (err: Error) => this.reply(err),
      returnFatalError: (err: Error) => this.drop(socket, err),
    })
    socket.on('data', (chunk: Buffer) => parser.execute(chunk))
    socket.on('error', (err) => this.drop(socket, err))
    socket.on('close', () => this.drop(socket, new Error('redis lane connection closed')))
    // Set up the connection ahead of the first send: its replies are skipped like SCRIPT LOAD's.
    let setup = ''
    let skip = 0
    const password = decodeURIComponent(u.password)
    if (password) {
      const user = decodeURIComponent(u.username)
      setup += resp(user ? ['AUTH', user, password] : ['AUTH', password])
      skip++
    }
    const db = Number(u.pathname.slice(1) || 0)
    if (db) {
      setup += resp(['SELECT', db])
      skip++
    }
    if (this.o.connectionName) {
      setup += resp(['CLIENT', 'SETNAME', this.o.connectionName])
      skip++
    }
    if (skip) {
      this.waiting.push({ replies: [], skip, want: 0, resolve: () => {}, reject: () => {} })
      socket.write(setup)
    }
    return socket
  }

  private reply(value: unknown) {
    const w = this.waiting[0]
    if (!w) return
    if (w.skip > 0) {
      w.skip--
      // A setup command or a script load that failed (wrong password, no such database) fails the connection.
      if (value instanceof Error) return this.drop(this.socket, value)
    } else {
      if (value instanceof Error && value.message.startsWith('NOSCRIPT')) this.scriptsLoaded = false
      w.replies.push(value)
    }
    if (w.skip > 0 || w.replies.length < w.want) return
    this.waiting.shift()
    this.armTimer()
    w.resolve(w.replies)
  }

  private armTimer() {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.waiting.length === 0) return
    const socket = this.socket
    this.timer = setTimeout(() => this.drop(socket, new Error(`no reply from Redis in ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS)
    this.timer.unref()
  }

  /** The connection is gone: everything in flight fails, and the next send opens a new one. */
  private drop(socket: Socket | null, err: Error) {
    if (!socket || socket !== this.socket) return
    this.socket = null
    socket.destroy()
    const waiting = this.waiting
    this.waiting = []
    this.armTimer()
    for (const w of waiting) w.reject(err)
  }

  close() {
    this.closed = true
    if (this.socket) this.drop(this.socket, new Error('redis lane closed'))
  }
}
