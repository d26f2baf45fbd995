import { count, dateTime, duration } from '@/lib/format'
import type { TokenReuseRow } from '@/lib/detection/types'

/**
 * Evidence of one install token used from two networks: every network it was
 * seen from (ASN, country, /24 prefixes, first and last request; the device
 * too when two devices used it on one network), and the
 * overlaps and fast country changes that make it a theft rather than a
 * handover. Prefixes and countries come from the gateway's view of the client,
 * so they are rendered as text only (React escapes them; nothing here builds
 * a link or markup from them) and clipped: a stored alert is untrusted input.
 */
const MAX_NETWORKS = 20
const MAX_PREFIXES = 5
const clip = (v: unknown, n = 64) => {
  const s = typeof v === 'string' ? v : String(v ?? '')
  return s.length > n ? `${s.slice(0, n)}…` : s
}
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

export function TokenReuseEvidence({ row }: { row: Partial<TokenReuseRow> }) {
  const networks = (Array.isArray(row.networks) ? row.networks : []).slice().sort((a, b) => num(a.first) - num(b.first))
  const shown = networks.slice(0, MAX_NETWORKS)
  const first = shown.length ? Math.min(...shown.map((n) => num(n.first))) : 0
  const overlapAt = typeof row.first_overlap_at === 'number' ? row.first_overlap_at : null
  const devices = shown.some((n) => typeof n.device === 'string')
  return (
    <div data-testid="token-reuse-evidence">
      <dl className="kv">
        <dt>Networks</dt>
        <dd>
          {count(networks.length)} seen for one install token{devices ? ' (a network per device: two phones used it)' : ''}
        </dd>
        <dt>Overlaps</dt>
        <dd>
          {count(num(row.overlaps))} requests started while one from another network was open{overlapAt !== null ? ` · first at ${dateTime(overlapAt)}` : ''}
        </dd>
        <dt>Concurrent use</dt>
        <dd>
          {count(num(row.concurrent_uses))} requests from a network already in use started while another country&apos;s was open
          {typeof row.first_concurrent_at === 'number' ? ` · first at ${dateTime(row.first_concurrent_at)}` : ''}
        </dd>
        <dt>Network switches</dt>
        <dd>
          {count(num(row.switches))} · {count(num(row.fast_country_changes))} country changes under 30 min apart (impossible travel)
        </dd>
        <dt>Quick switches</dt>
        <dd>
          {count(num(row.quick_switches))} in the last hour less than 10 s after a request from the other network · one phone changing network at moments of its
          own would make about {num(row.quick_switches_expected).toFixed(1)}
        </dd>
      </dl>
      {shown.length === 0 ? (
        <p className="muted small">No networks in the evidence.</p>
      ) : (
        <div className="table-wrap" style={{ maxHeight: 320, overflow: 'auto' }}>
          <table className="data" data-testid="token-reuse-networks">
            <thead>
              <tr>
                <th>ASN</th>
                <th>Country</th>
                <th>Prefixes</th>
                {devices && <th>Device</th>}
                <th className="r">Requests</th>
                <th>First seen</th>
                <th className="r">Active for</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((n, i) => {
                const prefixes = Array.isArray(n.ip_prefixes) ? n.ip_prefixes : []
                return (
                  <tr key={`${num(n.asn)}-${clip(n.country, 8)}-${i}`}>
                    <td className="mono">AS{num(n.asn)}</td>
                    <td>{clip(n.country, 8)}</td>
                    <td className="mono">
                      {prefixes
                        .slice(0, MAX_PREFIXES)
                        .map((p) => clip(p, 48))
                        .join(', ')}
                      {prefixes.length > MAX_PREFIXES ? ` +${prefixes.length - MAX_PREFIXES}` : ''}
                    </td>
                    {devices && (
                      <td>
                        {clip(n.device_model, 32)} <span className="mono muted">{clip(n.device, 16)}</span>
                      </td>
                    )}
                    <td className="r">{count(num(n.events))}</td>
                    <td>
                      {dateTime(num(n.first))}
                      {first && num(n.first) > first ? ` (+${duration(num(n.first) - first)})` : ''}
                    </td>
                    <td className="r">{duration(Math.max(0, num(n.last) - num(n.first)))}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          {networks.length > MAX_NETWORKS && <p className="muted small">{count(networks.length - MAX_NETWORKS)} more networks not shown.</p>}
        </div>
      )}
    </div>
  )
}
