'use client'
import type { EnforcersResponse } from '@/components/hooks/useEnforcers'
import { dateTime, duration } from '@/lib/format'

/** A replica silent for longer than three heartbeats (30 s each) is shown as gone quiet. */
const QUIET_MS = 90_000

/** npm run enforcer replicas: the version each holds, how far behind the log, and when it was last heard from. */
export function EnforcersTable({ data }: { data: EnforcersResponse }) {
  const now = Date.now()
  return (
    <div className="table-wrap">
      <table className="data" data-testid="enforcers-table">
        <thead>
          <tr>
            {['replica', 'policy version held', 'lag (versions)', 'last seen', 'since'].map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.enforcers.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No enforcer has reported in the last day (npm run enforcer, docs/enforcer.md).
              </td>
            </tr>
          )}
          {data.enforcers.map((e) => (
            <tr key={e.replica}>
              <td className="mono">{e.replica}</td>
              <td className="r">{e.version}</td>
              <td className="r">{e.lagVersions > 0 ? <b style={{ color: 'var(--warn)' }}>{e.lagVersions}</b> : 0}</td>
              <td>
                {now - e.lastSeenMs > QUIET_MS ? (
                  <b style={{ color: 'var(--warn)' }}>{duration(now - e.lastSeenMs)} ago</b>
                ) : (
                  `${duration(Math.max(0, now - e.lastSeenMs))} ago`
                )}
              </td>
              <td className="mono">{dateTime(e.firstSeenMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
