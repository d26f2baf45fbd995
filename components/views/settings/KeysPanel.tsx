'use client'
import { useState } from 'react'
import { describeError } from '@/components/policy/errors'
import { useKeyRing, useRotateKey } from '@/components/hooks/useSettings'
import { QueryPanel } from '@/components/ui/Panel'
import { dateTime } from '@/lib/format'

/**
 * The keys that sign policy snapshots and topic records. Rotating makes a
 * new signing key; the old one stays in the published key set for the grace
 * period so gateways that fetched the set earlier keep verifying, and the
 * topic's records are re-signed with the new key.
 */
export function KeysPanel() {
  const ring = useKeyRing()
  const rotate = useRotateKey()
  const [confirming, setConfirming] = useState(false)
  return (
    <QueryPanel id="signing-keys" title="Policy signing keys" sub={ring.data ? `grace ${ring.data.graceHours} h` : undefined} query={ring} flush height={120}>
      {(d) => (
        <div style={{ display: 'grid', gap: 12 }}>
          <div className="table-wrap">
            <table className="data" data-testid="keys-table">
              <thead>
                <tr>
                  <th scope="col">key id</th>
                  <th scope="col">created</th>
                  <th scope="col">status</th>
                </tr>
              </thead>
              <tbody>
                {d.keys.map((k) => (
                  <tr key={k.kid}>
                    <td className="mono">{k.kid}</td>
                    <td className="mono">{k.createdAt ? dateTime(k.createdAt) : '—'}</td>
                    <td>
                      {k.active ? (
                        <span className="badge resolved">signing</span>
                      ) : k.verifiesUntil ? (
                        `verifies until ${dateTime(k.verifiesUntil)}`
                      ) : (
                        'verifies'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="toolbar" style={{ padding: '0 12px 12px' }}>
            {!d.rotatable && <span className="muted">Keys come from POLICY_SIGNING_KEYS: rotate by appending a key there and restarting.</span>}
            {d.rotatable && !confirming && (
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setConfirming(true)
                  rotate.reset()
                }}
              >
                Rotate signing key…
              </button>
            )}
            {d.rotatable && confirming && (
              <>
                <span>Gateways must fetch the key set again within {d.graceHours} h.</span>
                <button
                  type="button"
                  className="btn danger"
                  disabled={rotate.isPending}
                  onClick={() => rotate.mutate(undefined, { onSettled: () => setConfirming(false) })}
                >
                  Confirm rotation
                </button>
                <button type="button" className="btn" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </>
            )}
            {rotate.error && (
              <span className="state error" role="alert">
                {describeError(rotate.error)}
              </span>
            )}
            {rotate.data && (
              <span role="status" data-testid="rotate-result">
                Now signing with {rotate.data.kid}; {rotate.data.retired} still verifies.
                {rotate.data.republish === 'queued' ? ' Topic records are being re-signed.' : ''}
              </span>
            )}
          </div>
        </div>
      )}
    </QueryPanel>
  )
}
