/**
 * The forward-auth request as the gateway sends it (nginx auth_request, Envoy
 * ext_authz in HTTP mode, Traefik forwardAuth): only headers, never the body.
 * docs/enforcer.md lists them; a missing or malformed one is a 400 naming it.
 */
export const H = {
  installId: 'x-burnrate-install-id',
  tenant: 'x-burnrate-tenant',
  feature: 'x-burnrate-feature',
  model: 'x-burnrate-model',
  contextTokens: 'x-burnrate-context-tokens',
  promptBytes: 'x-burnrate-prompt-bytes',
  maxOutput: 'x-burnrate-max-output-tokens',
  stream: 'x-burnrate-stream',
  attestation: 'x-burnrate-attestation',
  appId: 'x-burnrate-app-id',
  appVersion: 'x-burnrate-app-version',
  platform: 'x-burnrate-platform',
  requestId: 'x-request-id',
} as const

/** Answer headers the gateway copies (auth_request_set, allowed_upstream_headers, authResponseHeaders). */
export const OUT = {
  maxOutput: 'x-burnrate-max-output-tokens',
  degrade: 'x-burnrate-degrade',
  maxContext: 'x-burnrate-max-context-tokens',
  version: 'x-burnrate-policy-version',
  status: 'x-burnrate-status',
  reason: 'x-burnrate-reason',
  policy: 'x-burnrate-policy',
} as const

/** Prompt bytes → tokens when the gateway cannot count tokens: ~4 bytes per token for English text, rounded up. */
export const BYTES_PER_TOKEN = 4
export const MAX_TOKENS = 10_000_000

export interface DecisionInput {
  installId: string
  tenantId: string
  feature: string
  model: string
  contextTokens: number
  /** Most output tokens the client asked for (null: not said; the policy cap or ENFORCER_DEFAULT_MAX_OUTPUT_TOKENS applies). */
  maxOutput: number | null
  stream: boolean
  /** The client's latest attestation was rejected (feeds risky-only degrade rules). */
  risky: boolean
  requestId: string
  /** App build of the caller, when the gateway sends it: refusals then become policy_denial events. */
  app: { appId: string; appVersion: string; platform: 'android' | 'ios' | 'other' } | null
}

export type Parsed = { ok: true; input: DecisionInput } | { ok: false; error: string; header: string }

const ID_RE = /^[A-Za-z0-9._:@/+=-]{1,64}$/
const COUNT_RE = /^\d{1,12}$/

type Get = (name: string) => string | undefined

/** Reads one header from Node's IncomingHttpHeaders (lower-case keys; repeated headers joined). */
export function headerGetter(headers: Record<string, string | string[] | undefined>): Get {
  return (name) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
}

const ID_HEADERS = [
  ['installId', H.installId],
  ['tenantId', H.tenant],
  ['feature', H.feature],
  ['model', H.model],
  ['requestId', H.requestId],
] as const

// Module-level, not closures inside parseDecisionHeaders: it runs on every decision (profiled, bench/enforcer.ts).
const fail = (header: string, what: string): Parsed => ({ ok: false, header, error: `${header}: ${what}` })

function count(get: Get, name: string): number | null | Parsed {
  const v = get(name)?.trim()
  if (v === undefined || v === '') return null
  if (!COUNT_RE.test(v) || Number(v) > MAX_TOKENS * BYTES_PER_TOKEN * 100) return fail(name, 'must be a non-negative integer')
  return Number(v)
}

export function parseDecisionHeaders(get: Get): Parsed {
  const ids: Record<string, string> = {}
  for (let i = 0; i < ID_HEADERS.length; i++) {
    const [k, name] = ID_HEADERS[i]
    const v = get(name)?.trim()
    if (!v) return fail(name, 'required')
    if (!ID_RE.test(v)) return fail(name, 'must be 1-64 characters of [A-Za-z0-9._:@/+=-]')
    ids[k] = v
  }
  const tokens = count(get, H.contextTokens)
  if (typeof tokens === 'object' && tokens !== null) return tokens
  const bytes = count(get, H.promptBytes)
  if (typeof bytes === 'object' && bytes !== null) return bytes
  if (tokens === null && bytes === null) return fail(H.contextTokens, `required (or ${H.promptBytes})`)
  const contextTokens = tokens ?? Math.ceil((bytes as number) / BYTES_PER_TOKEN)
  if (contextTokens > MAX_TOKENS) return fail(tokens !== null ? H.contextTokens : H.promptBytes, `more than ${MAX_TOKENS} tokens`)
  const maxOutput = count(get, H.maxOutput)
  if (typeof maxOutput === 'object' && maxOutput !== null) return maxOutput
  if (maxOutput !== null && maxOutput > MAX_TOKENS) return fail(H.maxOutput, `more than ${MAX_TOKENS} tokens`)
  const s = get(H.stream)?.trim().toLowerCase()
  let stream: boolean
  if (s === undefined || s === '') stream = (get('accept') ?? '').includes('text/event-stream')
  else if (s === '1' || s === 'true') stream = true
  else if (s === '0' || s === 'false') stream = false
  else return fail(H.stream, 'must be 1, 0, true or false')
  const a = get(H.attestation)?.trim().toLowerCase()
  if (a !== undefined && a !== '' && a !== 'accepted' && a !== 'rejected') return fail(H.attestation, 'must be accepted or rejected')
  const appId = get(H.appId)?.trim()
  const appVersion = get(H.appVersion)?.trim()
  const platform = get(H.platform)?.trim().toLowerCase()
  let app: DecisionInput['app'] = null
  if (appId || appVersion || platform) {
    if (!appId || !/^[A-Za-z0-9._:@/+=-]{1,128}$/.test(appId))
      return fail(H.appId, 'must be 1-128 characters of [A-Za-z0-9._:@/+=-] (with app version and platform)')
    if (!appVersion || appVersion.length > 32) return fail(H.appVersion, 'must be 1-32 characters (with app id and platform)')
    if (platform !== 'android' && platform !== 'ios' && platform !== 'other') return fail(H.platform, 'must be android, ios or other (with app id and version)')
    app = { appId, appVersion, platform }
  }
  return {
    ok: true,
    input: {
      installId: ids.installId,
      tenantId: ids.tenantId,
      feature: ids.feature,
      model: ids.model,
      requestId: ids.requestId,
      contextTokens,
      maxOutput,
      stream,
      risky: a === 'rejected',
      app,
    },
  }
}
