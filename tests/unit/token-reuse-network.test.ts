import { describe, expect, it } from 'vitest'
import { nameReplayNetworkSharers, replayNetworkCandidates } from '@/lib/detection/token-reuse-network'
import { ALERT_SCORE } from '@/lib/detection/settings'
import type { TokenReuseRow } from '@/lib/detection/types'

const BOX = '45.79.12.0/24'
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0)

/** An install seen from its home /24 and, when `onBox`, from the box's, scored `score`. */
function install(id: string, score: number, onBox = true, tenant = 't'): TokenReuseRow {
  const home = { asn: 3215, country: 'FR', ip_prefixes: [`90.${id.length}.${id.charCodeAt(id.length - 1)}.0/24`], events: 12, first: T0, last: T0 + 600_000 }
  const box = { asn: 63949, country: 'FR', ip_prefixes: [BOX], events: 9, first: T0 + 60_000, last: T0 + 600_000 }
  const other = { asn: 12322, country: 'FR', ip_prefixes: ['88.1.2.0/24'], events: 3, first: T0, last: T0 + 300_000 }
  return {
    tenant_id: tenant,
    install_id: id,
    score,
    severity: score >= ALERT_SCORE ? 'warning' : null,
    reasons: [],
    events: 21,
    cost_micros: 0,
    switches: 6,
    overlaps: 0,
    fast_country_changes: 0,
    first_overlap_at: null,
    concurrent_uses: 0,
    first_concurrent_at: null,
    quick_switches: 0,
    quick_switches_expected: 0,
    networks: [home, onBox ? box : other],
  }
}

function run(rows: TokenReuseRow[], installsOnBox: number) {
  const candidates = replayNetworkCandidates(rows)
  return nameReplayNetworkSharers(rows, candidates, (_t, p) => (p === BOX ? installsOnBox : 1), 15)
}

describe('token reuse: a network that replays tokens', () => {
  it('names an install seen from the /24 two proven tokens were replayed from, at the alert line', () => {
    const rows = [install('a', 80), install('b', 60), install('quiet', 4), install('elsewhere', 10, false)]
    const named = run(rows, 4)
    expect(named.map((r) => r.install_id)).toEqual(['quiet'])
    expect(rows[2].score).toBe(ALERT_SCORE)
    expect(rows[2].severity).toBe('warning')
    expect(rows[2].reasons.at(-1)).toContain(`also used from ${BOX}`)
    expect(rows[2].reasons.at(-1)).toContain('2 other installs')
    expect(rows[3].score).toBe(10)
  })

  it('needs two proven installs on the /24', () => {
    const rows = [install('a', 80), install('quiet', 4)]
    expect(run(rows, 2)).toEqual([])
    expect(rows[1].score).toBe(4)
  })

  it('leaves a /24 most of whose installs stay on it (a home, office or carrier pool)', () => {
    const rows = [install('a', 80), install('b', 60), install('quiet', 4)]
    // 3 of 40 installs seen from it were also seen elsewhere.
    expect(run(rows, 40)).toEqual([])
    expect(run(rows, 6)).toHaveLength(1)
  })

  it('keeps tenants apart and ignores the unknown /24', () => {
    const rows = [install('a', 80), install('b', 60), install('other-tenant', 4, true, 'u')]
    expect(run(rows, 3)).toEqual([])
    const unknown = [install('a', 80), install('b', 60), install('quiet', 4)].map((r) => ({
      ...r,
      networks: r.networks.map((n) => (n.ip_prefixes[0] === BOX ? { ...n, ip_prefixes: ['0.0.0.0/24'] } : n)),
    }))
    expect(replayNetworkCandidates(unknown).size).toBe(0)
  })
})
