'use client'
import { count, dateTime, usd } from '@/lib/format'
import type { InstallProfile } from '@/lib/dashboard/types'
import { Panel } from '../../ui/Panel'

/** Who this install is: app build, device, network, and lifetime counters from install_profile. */
export function InstallProfilePanel({ p }: { p: InstallProfile }) {
  const attestations = p.attest_accepted + p.attest_rejected
  return (
    <Panel id="install-profile" title="Profile" sub="lifetime">
      <dl className="kv" data-testid="install-profile">
        <dt>Tenant</dt>
        <dd>{p.tenant_id}</dd>
        <dt>App</dt>
        <dd>
          {p.app_id} <span className="muted">v{p.app_version}</span>
        </dd>
        <dt>Device</dt>
        <dd>
          {p.platform} · {p.device_model} · OS {p.os_version}
        </dd>
        <dt>Fingerprint</dt>
        <dd className="mono" title={p.device_fingerprint}>
          {p.device_fingerprint}
        </dd>
        <dt>Network</dt>
        <dd>
          {p.ip_prefix} · AS{p.asn} · {p.country}
        </dd>
        <dt>First seen</dt>
        <dd>{dateTime(p.first_seen)}</dd>
        <dt>Last seen</dt>
        <dd>{dateTime(p.last_seen)}</dd>
        <dt>Events</dt>
        <dd className="num">{count(p.events)}</dd>
        <dt>Lifetime spend</dt>
        <dd className="num" data-testid="lifetime-spend">
          {usd(p.cost_micros)}
        </dd>
        <dt>Attestation</dt>
        <dd className="num">
          {count(p.attest_accepted)} accepted ·{' '}
          <span style={{ color: p.attest_rejected ? 'var(--crit)' : undefined }}>{count(p.attest_rejected)} rejected</span>
          {attestations > 0 && <span className="muted"> ({Math.round((p.attest_rejected / attestations) * 100)}%)</span>}
        </dd>
        {(p.emulator_rejections > 0 || p.hooking_rejections > 0) && (
          <>
            <dt>Flags</dt>
            <dd>
              {p.emulator_rejections > 0 && <span className="chip">emulator ×{p.emulator_rejections}</span>}
              {p.hooking_rejections > 0 && <span className="chip">hooking ×{p.hooking_rejections}</span>}
            </dd>
          </>
        )}
      </dl>
    </Panel>
  )
}
