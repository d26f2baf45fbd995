import { count } from '@/lib/format'

/** Attestation rejections of a farm cluster by reason, largest first, as bars of their share. */
export function RejectionMix({ mix: byReason }: { mix: Record<string, number> }) {
  const mix = Object.entries(byReason).sort((a, b) => b[1] - a[1])
  const total = mix.reduce((s, [, n]) => s + n, 0)
  if (mix.length === 0) return <span className="muted">no rejections</span>
  return (
    <>
      {mix.map(([reason, n]) => (
        <div key={reason} className="row gap" style={{ marginBottom: 3 }}>
          <span style={{ width: 140 }} className="small">
            {reason}
          </span>
          <div className="meter grow crit">
            <span style={{ width: `${(n / total) * 100}%` }} />
          </div>
          <span className="num small" style={{ width: 60, textAlign: 'right' }}>
            {count(n)}
          </span>
        </div>
      ))}
    </>
  )
}
