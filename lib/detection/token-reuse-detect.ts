import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { appendTo } from './collect'
import { num, toSec } from './query'
import { FINDING_MIN_SCORE, type DetectionSettings } from './settings'
import { installEventsSql, multiNetworkInstallsSql } from './sql/token-reuse'
import { TIMING_WINDOW_MINUTES, TOKEN_WINDOW_MINUTES, scoreTokenReuse } from './token-reuse'
import { nameByReplayNetworks } from './token-reuse-network'
import { sharedPathsOf } from './token-reuse-paths'
import { netEventOf, type NetEvent } from './token-reuse-places'
import type { TokenReuseRow } from './types'

/**
 * The token reuse detector's run (token-reuse.ts scores one install): installs seen from two networks or devices in
 * the window (install_network_minute) with their networks, each tenant's shared paths from those (token-reuse-paths.ts),
 * their calls of the last hour by the events' primary key, 500 installs at a time, each install scored, then the
 * replay networks (token-reuse-network.ts).
 */
/** Every install seen from two networks or devices in the window ending at `now`, scored. */
export async function detectTokenReuse(
  store: Store,
  s: Pick<DetectionSettings, 'zAlert'>,
  now: number,
  opts: { tenant?: string; fromMs?: number; limit?: number } = {},
): Promise<TokenReuseRow[]> {
  const fromMs = opts.fromMs ?? now - TOKEN_WINDOW_MINUTES * 60_000
  const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant: opts.tenant ?? '' }
  // Candidates are installs on two networks in the window; slow alternation reads their last hour.
  const eventParams = { ...params, from: toSec(Math.min(fromMs, now - TIMING_WINDOW_MINUTES * 60_000)) }
  const candidates = await selectRows<{ tenant_id: string; install_id: string; places: [number | string, string][] }>(
    store,
    multiNetworkInstallsSql(store.database),
    params,
  )
  const byTenant = new Map<string, typeof candidates>()
  for (const c of candidates) appendTo(byTenant, c.tenant_id, c)
  const rows: TokenReuseRow[] = []
  for (const [tenant, list] of byTenant) {
    const places = list.map((c) => c.places.map(([asn, country]) => ({ asn: num(asn), country: String(country) })))
    const pathOf = await sharedPathsOf(store, tenant, places, params)
    const ids = list.map((c) => c.install_id)
    for (let i = 0; i < ids.length; i += 500) {
      const byInstall = new Map<string, NetEvent[]>()
      for (const r of await selectRows<Record<string, unknown>>(store, installEventsSql(store.database), {
        ...eventParams,
        tenant,
        installs: ids.slice(i, i + 500),
      })) {
        const e = netEventOf(r)
        appendTo(byInstall, e.install_id, e)
      }
      for (const calls of byInstall.values())
        rows.push(
          scoreTokenReuse(
            tenant,
            calls.sort((a, b) => a.start_ms - b.start_ms),
            s.zAlert,
            params.from * 1000,
            pathOf,
          ),
        )
    }
  }
  // A /24 that replayed two proven tokens names the other installs seen from it and elsewhere (token-reuse-network.ts).
  await nameByReplayNetworks(store, rows, { from: params.from, to: params.to }, Math.round((now - fromMs) / 60_000))
  rows.sort((a, b) => b.score - a.score)
  return rows.filter((r, i) => i < (opts.limit ?? 50) || r.score >= FINDING_MIN_SCORE)
}
