import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Handler } from './route-call'

/**
 * Serves Next.js route handlers over real HTTP on a free loopback port, for
 * processes that must reach the app as gateways do (the enforcer fetching
 * /api/policy/snapshot and /api/policy/jwks). `routes` maps a path to a
 * module's exports (GET, POST...).
 */
export async function serveRoutes(routes: Record<string, Record<string, Handler>>): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const handler = routes[url.pathname]?.[req.method ?? 'GET']
      if (!handler) {
        res.writeHead(404)
        return res.end()
      }
      let body = ''
      for await (const chunk of req) body += chunk
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
      const out = await handler(new Request(url, { method: req.method, headers, body: body || undefined }), { params: Promise.resolve({}) })
      res.writeHead(out.status, Object.fromEntries(out.headers.entries()))
      res.end(Buffer.from(await out.arrayBuffer()))
    } catch (err) {
      res.writeHead(500)
      res.end(String(err))
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections()
      await closed
    },
  }
}
