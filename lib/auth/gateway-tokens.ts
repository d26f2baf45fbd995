import { createHash, timingSafeEqual } from 'node:crypto'
import { settings } from '../config'
import type { Principal } from './roles'

/** Only these API paths accept a gateway token: gateways read policy and acknowledge it, nothing else. */
const GATEWAY_PATHS = ['/api/policy/snapshot', '/api/policy/jwks', '/api/policy/ack']

const digest = (s: string) => createHash('sha256').update(s).digest()

/** POLICY_GATEWAY_TOKENS="edge-eu=secret1,edge-us=secret2" → name → digest of token. */
export function parseGatewayTokens(spec: string | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const part of (spec ?? '').split(',')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const name = part.slice(0, i).trim()
    const token = part.slice(i + 1).trim()
    // Short tokens are guessable: loadConfig refuses them at start; this skips any that reach here another way.
    if (name && token.length >= 24) out.set(name, digest(token))
  }
  return out
}

/**
 * A gateway presenting `Authorization: Bearer <token>` on a gateway path is a
 * viewer-ranked principal named gateway:<name>. Digests are compared in
 * constant time so a token cannot be guessed byte by byte.
 */
export function gatewayPrincipal(req: Request, spec = settings(['POLICY_GATEWAY_TOKENS']).POLICY_GATEWAY_TOKENS): Principal | null {
  const auth = req.headers.get('authorization')
  if (!auth?.startsWith('Bearer ')) return null
  const path = new URL(req.url).pathname
  if (!GATEWAY_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return null
  const presented = digest(auth.slice(7).trim())
  for (const [name, expected] of parseGatewayTokens(spec)) {
    if (timingSafeEqual(presented, expected)) return { userId: `gateway:${name}`, displayName: `gateway ${name}`, role: 'viewer', provider: 'gateway' }
  }
  return null
}
