import type { IncomingMessage } from 'node:http'
import http from 'node:http'
import https from 'node:https'

/**
 * The TCP peer of a request, for when no proxy is trusted (TRUSTED_PROXY_HOPS=0).
 * Next.js route handlers only see headers, and Next copies the socket address
 * into X-Forwarded-For only when the client sent none, which a forged header
 * is indistinguishable from. So the Node servers of this process are taught to
 * stamp every request with its socket address in a header of our own,
 * overwriting whatever the client put there, before Next.js sees it.
 *
 * The header is believed only once the stamp is installed in this process:
 * without it (route handlers called directly, another server) a client-sent
 * value would be a forgery, and the peer is unknown.
 */
export const PEER_HEADER = 'x-burnrate-peer'

const KEY = Symbol.for('burnrate.auth.peerStamp')
type G = typeof globalThis & { [KEY]?: boolean }

function stamp(req: IncomingMessage): void {
  const addr = req.socket?.remoteAddress
  if (addr) req.headers[PEER_HEADER] = addr.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')
  else delete req.headers[PEER_HEADER]
}

/** Idempotent; called from instrumentation.ts at server start. */
export function installPeerStamp(): void {
  const g = globalThis as G
  if (g[KEY]) return
  for (const proto of [http.Server.prototype, https.Server.prototype] as { emit: (event: string | symbol, ...args: unknown[]) => boolean }[]) {
    const emit = proto.emit
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === 'request' || event === 'checkContinue' || event === 'checkExpectation') stamp(args[0] as IncomingMessage)
      return emit.call(this, event, ...args)
    }
  }
  g[KEY] = true
}

export function peerStampInstalled(): boolean {
  return (globalThis as G)[KEY] === true
}

/** The socket address of the client, or null when this process does not stamp requests. */
export function peerAddress(headers: Headers): string | null {
  if (!peerStampInstalled()) return null
  return headers.get(PEER_HEADER) || null
}
