import type { PromptBombingRow } from '../../lib/detection/types'

/** A prompt-bombing ranking row as the detector gives it, for alert and incident tests. */
export const bombingRow = (install: string, tenant = 'acme', feature = 'chat', score = 75): PromptBombingRow => ({
  tenant_id: tenant,
  install_id: install,
  feature,
  score,
  severity: 'warning',
  reasons: [`context 12σ above ${feature} median`],
  requests: 40,
  active_minutes: 10,
  cost_micros: 5_000_000,
  spend_share: 0.1,
  metrics: { tokens_per_minute: { value: 90_000 } } as never,
  series: [],
  suggested_quota: { tokens_per_minute: 1, max_context_tokens: 1, max_concurrent_streams: 1 },
})
