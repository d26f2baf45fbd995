import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configSchema } from '../../lib/config'
import { Decider } from '../../lib/enforcement/decide'
import { H, OUT, parseDecisionHeaders } from '../../lib/enforcement/headers'
import { MemoryQuotaStore } from '../../lib/enforcement/quota'
import { MIN_GATEWAY_TOKEN_LENGTH, refusedTokenHint } from '../../lib/enforcement/policy-source'
import { isDecidePath } from '../../lib/enforcement/service'
import { parseGatewayTokens } from '../../lib/auth/gateway-tokens'
import { PolicyEnforcer } from '../../lib/policy/enforcer'
import { PriceBook } from '../../lib/pricing/cost'

/**
 * The Envoy (ext_authz) and Traefik (forwardAuth) configs in docker/ cannot run here: neither binary is packaged
 * in Debian's archive, the npm registry or Maven Central (docs/enforcer.md, "Envoy and Traefik"). nginx's config
 * runs for real in tests/integration/enforcer-nginx.test.ts. These tests read the two configs as the gateways
 * would and play their documented behaviour against the enforcer's header contract: which client headers reach
 * the decision, on which path, which answer headers reach the upstream and the client.
 */
const docker = resolve(__dirname, '../../docker')
const envoy = parse(readFileSync(resolve(docker, 'envoy/envoy.yaml'), 'utf8'))
const traefik = parse(readFileSync(resolve(docker, 'traefik/dynamic.yml'), 'utf8'))
const defaultPort = configSchema.parse({}).ENFORCER_PORT

/** What a client (or the auth layer before the gateway) sends, plus headers the enforcer must never need. */
const clientHeaders: Record<string, string> = {
  [H.installId]: 'inst-1',
  [H.tenant]: 't1',
  [H.feature]: 'chat',
  [H.model]: 'gpt-4o-mini',
  [H.contextTokens]: '200',
  [H.maxOutput]: '100',
  [H.stream]: '1',
  [H.attestation]: 'accepted',
  [H.appId]: 'com.example',
  [H.appVersion]: '1.2.3',
  [H.platform]: 'ios',
  'x-request-id': 'req-1',
  accept: 'text/event-stream',
  authorization: 'Bearer user-secret',
  cookie: 'sid=1',
  'content-type': 'application/json',
}

type Matcher = { exact?: string; prefix?: string; suffix?: string; contains?: string; ignore_case?: boolean }
/** Envoy's StringMatcher on a (lower-cased) header name. */
const matches = (m: Matcher, name: string) => {
  const n = m.ignore_case ? name.toLowerCase() : name
  const v = (x: string) => (m.ignore_case ? x.toLowerCase() : x)
  if (m.exact !== undefined) return n === v(m.exact)
  if (m.prefix !== undefined) return n.startsWith(v(m.prefix))
  if (m.suffix !== undefined) return n.endsWith(v(m.suffix))
  if (m.contains !== undefined) return n.includes(v(m.contains))
  throw new Error(`unsupported matcher ${JSON.stringify(m)}`)
}
const pass = (headers: Record<string, string>, patterns: Matcher[]) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => patterns.some((p) => matches(p, k.toLowerCase()))))

async function decideWith(headers: Record<string, string>, rules: Parameters<PolicyEnforcer['applySnapshot']>[0]['rules'] = []) {
  const enforcer = new PolicyEnforcer()
  enforcer.applySnapshot({ version: 3, rules })
  const decider = new Decider({
    enforcer,
    quotas: new MemoryQuotaStore(),
    prices: new PriceBook(),
    freshness: () => ({ ready: true, stale: false }),
    failMode: 'closed',
    defaultMaxOutput: 1000,
    leaseMs: 60_000,
    streamLeaseMs: 30_000,
  })
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  const parsed = parseDecisionHeaders((n) => lower[n])
  if (!parsed.ok) return { status: 400 as const, headers: {} as Record<string, string>, error: parsed.error }
  const a = await decider.decide(parsed.input)
  return { status: a.status, headers: a.headers, input: parsed.input }
}
const tpmRule = (tokensPerMinute: number) => ({
  key: 'install:inst-1',
  scope: 'install' as const,
  subject: 'inst-1',
  controls: { tokensPerMinute },
  until: null,
  reason: 't',
  author: 't',
  version: 3,
  updatedAt: 0,
})

describe('Envoy ext_authz (docker/envoy/envoy.yaml)', () => {
  const hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config
  const filters: { name: string; typed_config: Record<string, any> }[] = hcm.http_filters
  const authz = filters.find((f) => f.name === 'envoy.filters.http.ext_authz')!.typed_config
  const clusters: any[] = envoy.static_resources.clusters
  const portOf = (name: string) =>
    clusters.find((c) => c.name === name)?.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value

  it('decides before routing, fails closed, and asks the enforcer cluster on its default port', () => {
    expect(filters.map((f) => f.name).indexOf('envoy.filters.http.ext_authz')).toBeLessThan(filters.map((f) => f.name).indexOf('envoy.filters.http.router'))
    expect(authz.failure_mode_allow).toBe(false)
    expect(authz.status_on_error.code).toBe('ServiceUnavailable')
    expect(authz.transport_api_version).toBe('V3')
    const svc = authz.http_service
    expect(portOf(svc.server_uri.cluster)).toBe(defaultPort)
    expect(new URL(svc.server_uri.uri).port).toBe(String(defaultPort))
    // Envoy sets x-request-id unless told not to: the enforcer leases the reservation under it.
    expect(hcm.generate_request_id ?? true).toBe(true)
  })

  it('the decision path (path_prefix + the original path) reaches the decide route', () => {
    const prefix: string = authz.http_service.path_prefix
    for (const original of ['/v1/chat/completions', '/v1/responses']) expect(isDecidePath(prefix + original)).toBe(true)
    expect(isDecidePath('/v1/decidefoo')).toBe(false)
  })

  it('passes every header of the contract to the enforcer, and no credentials', async () => {
    const patterns: Matcher[] = authz.http_service.authorization_request.allowed_headers.patterns
    for (const name of [...Object.values(H), 'accept'])
      expect(
        patterns.some((p) => matches(p, name)),
        name,
      ).toBe(true)
    const sent = pass(clientHeaders, patterns)
    expect(sent).not.toHaveProperty('authorization')
    expect(sent).not.toHaveProperty('cookie')
    const d = await decideWith(sent)
    expect(d.status).toBe(200)
    expect(d.input).toMatchObject({ installId: 'inst-1', contextTokens: 200, maxOutput: 100, stream: true, app: { appId: 'com.example', platform: 'ios' } })
  })

  it('forwards the caps to the upstream and Retry-After to a refused client', async () => {
    const sent = pass(clientHeaders, authz.http_service.authorization_request.allowed_headers.patterns)
    const ok = await decideWith(sent)
    const upstream = pass(ok.headers, authz.http_service.authorization_response.allowed_upstream_headers.patterns)
    expect(upstream[OUT.maxOutput]).toBe('100')
    for (const name of [OUT.maxOutput, OUT.degrade, OUT.maxContext]) {
      expect(
        authz.http_service.authorization_response.allowed_upstream_headers.patterns.some((p: Matcher) => matches(p, name)),
        name,
      ).toBe(true)
    }
    const refused = await decideWith(sent, [tpmRule(50)]) // context 200 > 50 tokens/min
    expect(refused.status).toBe(429)
    const toClient = pass(refused.headers, authz.http_service.authorization_response.allowed_client_headers.patterns)
    expect(Number(toClient['retry-after'])).toBeGreaterThan(0)
  })

  it('lets SSE streams run past the default route timeout', () => {
    const route = hcm.route_config.virtual_hosts[0].routes[0].route
    expect(route.timeout).toBe('0s')
    expect(portOf(route.cluster)).toBeTypeOf('number')
  })
})

describe('Traefik forwardAuth (docker/traefik/dynamic.yml)', () => {
  const mw = traefik.http.middlewares.burnrate.forwardAuth
  const router = traefik.http.routers.llm

  it('asks the enforcer on its decide route, on every LLM route, trusting no client X-Forwarded-*', () => {
    const url = new URL(mw.address)
    expect(url.port).toBe(String(defaultPort))
    expect(isDecidePath(url.pathname)).toBe(true)
    expect(mw.trustForwardHeader).toBe(false)
    expect(router.middlewares).toContain('burnrate')
    expect(traefik.http.services[router.service]).toBeDefined()
  })

  it('Traefik forwards all request headers: a client that sends the contract is decided, one without X-Request-Id gets a 400 naming it', async () => {
    const ok = await decideWith(clientHeaders)
    expect(ok.status).toBe(200)
    // Traefik sets no request id and no prompt-size header (docs/enforcer.md says clients must send both).
    const { 'x-request-id': _id, ...withoutId } = clientHeaders
    const bad = await decideWith(withoutId)
    expect(bad).toMatchObject({ status: 400, error: expect.stringContaining('x-request-id') })
  })

  it('copies the caps to the upstream (authResponseHeaders)', async () => {
    const ok = await decideWith(clientHeaders)
    const copied: string[] = mw.authResponseHeaders.map((h: string) => h.toLowerCase())
    for (const name of [OUT.maxOutput, OUT.degrade, OUT.maxContext]) expect(copied, name).toContain(name)
    expect(ok.headers[OUT.maxOutput]).toBe('100')
  })
})

describe('the enforcer explains a refused gateway token', () => {
  it('names the length rule exactly where the app ignores a token, and a mismatch otherwise', () => {
    for (const len of [MIN_GATEWAY_TOKEN_LENGTH - 1, MIN_GATEWAY_TOKEN_LENGTH]) {
      const token = 'x'.repeat(len)
      const accepted = parseGatewayTokens(`edge=${token}`).has('edge')
      expect(accepted).toBe(len >= MIN_GATEWAY_TOKEN_LENGTH)
      expect(refusedTokenHint(token)).toContain(accepted ? 'not one of' : 'shorter than 24')
    }
    expect(refusedTokenHint(undefined)).toContain('not set')
  })
})
