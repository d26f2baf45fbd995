import type { GatewayEventInput } from '../../lib/events/schema'

let counter = 0

/** A valid llm_request event; override any field. */
export function llmRequest(overrides: Partial<Record<string, unknown>> = {}): GatewayEventInput {
  counter += 1
  return {
    schema_version: 1,
    type: 'llm_request',
    event_id: `evt-${process.pid}-${counter}`,
    ts: Date.now(),
    tenant_id: 'acme',
    install_id: `inst-${counter % 50}`,
    app_id: 'com.acme.app',
    app_version: '1.2.0',
    platform: 'android',
    device_model: 'Pixel 8',
    os_version: '14',
    device_fingerprint: 'a1b2c3d4e5f60718',
    ip_prefix: '203.0.113.0/24',
    asn: 64500,
    country: 'DE',
    feature: 'chat_assistant',
    model: 'gpt-4o-mini',
    prompt_tokens: 1000,
    completion_tokens: 200,
    context_tokens: 1200,
    prompt_bytes: 4000,
    outcome: 'served',
    latency_ms: 900,
    ...overrides,
  } as GatewayEventInput
}

/** The install context of an event (docs/events.md): one Android phone on one /24, for tests that build their own events. */
export function installContext(tenant: string, install: string) {
  return {
    schema_version: 1 as const,
    tenant_id: tenant,
    install_id: install,
    app_id: 'com.acme.app',
    app_version: '2.0.0',
    platform: 'android' as const,
    device_model: 'Pixel 8',
    os_version: '14',
    ip_prefix: '203.0.113.0/24',
    asn: 64500,
    country: 'DE',
  }
}
