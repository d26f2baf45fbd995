'use client'
import { count, tokens } from '@/lib/format'
import type { UnpricedModel } from '@/lib/dashboard/types'
import { useUnpricedModels } from '../../hooks/useCost'

/** Models named in the notice; the rest are summed into "and N more". */
const NAMED = 5

/**
 * Says what every spend figure on the page leaves out: calls on models with
 * no price (no `cost_micros` from the gateway, a model the catalog does not
 * know), stored at $0. Nothing shows when every call was priced. Model names
 * come from the gateway: rendered as text only.
 */
export function UnpricedNotice() {
  const q = useUnpricedModels()
  const models = q.data ?? []
  if (models.length === 0) return null
  return <UnpricedModels models={models} />
}

export function UnpricedModels({ models }: { models: UnpricedModel[] }) {
  const calls = models.reduce((s, m) => s + m.calls, 0)
  const rest = models.slice(NAMED)
  return (
    <section className="panel" role="status" data-testid="unpriced-models" style={{ borderColor: 'var(--warn)', padding: '10px 14px' }}>
      <p className="small" style={{ margin: 0 }}>
        <strong>Spend leaves out {count(calls)} calls</strong> on models without a price (stored at $0):{' '}
        {models.slice(0, NAMED).map((m, i) => (
          <span key={m.model}>
            {i > 0 ? ', ' : ''}
            <span className="mono">{m.model}</span> ({count(m.calls)} calls, {tokens(m.tokens)} tokens)
          </span>
        ))}
        {rest.length > 0 ? `, and ${rest.length} more` : ''}. Have the gateway send <span className="mono">cost_micros</span>, or add the model to{' '}
        <span className="mono">PRICING_FILE</span> (docs/events.md, Money). Calls already stored keep $0.
      </p>
    </section>
  )
}
