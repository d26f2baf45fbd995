import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../lib/config'
import { parseGatewayTokens } from '../../lib/auth/gateway-tokens'

const LONG = 'a'.repeat(24)

describe('POLICY_GATEWAY_TOKENS', () => {
  it('starts with tokens of at least 24 characters, and the app accepts each of them', () => {
    const config = loadConfig({ POLICY_GATEWAY_TOKENS: `edge-eu=${LONG},edge-us=${'b'.repeat(48)}` })
    expect([...parseGatewayTokens(config.POLICY_GATEWAY_TOKENS).keys()]).toEqual(['edge-eu', 'edge-us'])
  })

  it('refuses to start with a short token, naming the gateway and never the token', () => {
    const secret = 'short-secret-17ch'
    let message = ''
    try {
      loadConfig({ POLICY_GATEWAY_TOKENS: `edge-eu=${LONG},edge-us=${secret}` })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/gateway "edge-us" has 17 characters; at least 24/)
    expect(message).not.toContain(secret)
  })

  it('refuses an entry without a name', () => {
    expect(() => loadConfig({ POLICY_GATEWAY_TOKENS: `=${LONG}` })).toThrow(/name=token/)
  })
})
