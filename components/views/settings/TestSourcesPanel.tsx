'use client'
import { useState } from 'react'
import { describeError } from '@/components/policy/errors'
import { useTenants } from '@/components/hooks/useTenants'
import { useDeclareTestSource, useRemoveTestSource, useTestSources } from '@/components/hooks/useTestSources'
import { DataTable, type Column } from '@/components/ui/DataTable'
import { QueryPanel } from '@/components/ui/Panel'
import { formBox } from './form-box'
import { dateTime } from '@/lib/format'
import { TEST_SOURCE_KINDS, TEST_SOURCE_MAX_DAYS, type SaveTestSourceRequest, type TestSource, type TestSourceKind } from '@/lib/test-sources/types'

const KIND_NOTE: Record<TestSourceKind, string> = {
  network: 'the QA lab or office network: an address or prefix, /16 to /24 (IPv6 /32 to /48)',
  app_id: 'a staging or internal bundle id, e.g. com.example.app.staging',
  app_version: 'a test build, e.g. 4.12.0-rc.1',
  device_fingerprint: "a test phone's device fingerprint (hex)",
}
const EMPTY: SaveTestSourceRequest = { tenant_id: '', kind: 'network', value: '', note: '', days: 7 }

/**
 * Test traffic a tenant declares: findings whose every install matches a
 * declaration are held under the alert line (they page no one) and name it
 * in their reasons. Declarations expire; cost anomalies are never held.
 */
export function TestSourcesPanel() {
  const sources = useTestSources()
  const tenants = useTenants()
  const declare = useDeclareTestSource()
  const remove = useRemoveTestSource()
  const [draft, setDraft] = useState<SaveTestSourceRequest>(EMPTY)
  const set = (patch: Partial<SaveTestSourceRequest>) => {
    setDraft((d) => ({ ...d, ...patch }))
    declare.reset()
  }
  const columns: Column<TestSource>[] = [
    { key: 'tenant', header: 'tenant', render: (s) => s.tenant_id },
    { key: 'kind', header: 'kind', render: (s) => s.kind.replace('_', ' ') },
    { key: 'value', header: 'value', render: (s) => <span className="mono">{s.value}</span> },
    { key: 'note', header: 'why', render: (s) => s.note },
    { key: 'until', header: 'until', render: (s) => <span className="mono">{dateTime(s.expires_at)}</span> },
    { key: 'by', header: 'by', render: (s) => s.updated_by },
    {
      key: 'remove',
      header: '',
      render: (s) => (
        <button
          type="button"
          className="btn small"
          disabled={remove.isPending}
          aria-label={`Remove ${s.kind} ${s.value}`}
          onClick={() => remove.mutate({ tenant_id: s.tenant_id, kind: s.kind, value: s.value })}
        >
          Remove
        </button>
      ),
    },
  ]
  const tenant = draft.tenant_id || tenants.data?.tenants[0] || ''
  const canSave = tenant !== '' && draft.value.trim() !== '' && draft.note.trim().length >= 3 && !declare.isPending
  return (
    <QueryPanel
      id="test-sources"
      title="Test traffic"
      sub={sources.data ? `${sources.data.sources.length} declared` : undefined}
      query={sources}
      flush
      height={120}
    >
      {(d) => (
        <div style={{ display: 'grid', gap: 12 }}>
          <p className="muted" style={{ margin: '0 12px' }}>
            A load test from the office looks like a farm. Findings whose every install is on a declared source are kept under the alert line and name the
            declaration; nothing else changes, and spend still counts.
          </p>
          {d.sources.length === 0 ? (
            <p className="muted" style={{ margin: '0 12px' }}>
              None declared.
            </p>
          ) : (
            <DataTable columns={columns} rows={d.sources} rowKey={(s) => `${s.tenant_id}|${s.kind}|${s.value}`} testId="test-sources-table" />
          )}
          <form
            style={{ ...formBox, margin: '0 12px 12px' }}
            data-testid="test-source-form"
            onSubmit={(e) => {
              e.preventDefault()
              if (canSave)
                declare.mutate({ ...draft, tenant_id: tenant, value: draft.value.trim(), note: draft.note.trim() }, { onSuccess: () => setDraft(EMPTY) })
            }}
          >
            <strong>Declare test traffic</strong>
            <label className="select-label">
              Tenant
              <select value={tenant} onChange={(e) => set({ tenant_id: e.target.value })}>
                {(tenants.data?.tenants ?? []).map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            <label className="select-label">
              Kind
              <select value={draft.kind} onChange={(e) => set({ kind: e.target.value as TestSourceKind })}>
                {TEST_SOURCE_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k.replace('_', ' ')}
                  </option>
                ))}
              </select>
              <span className="muted">{KIND_NOTE[draft.kind]}</span>
            </label>
            <label className="select-label">
              Value
              <input value={draft.value} onChange={(e) => set({ value: e.target.value })} maxLength={128} autoComplete="off" data-testid="test-source-value" />
            </label>
            <label className="select-label">
              Why (shown beside every finding it holds back)
              <input value={draft.note} onChange={(e) => set({ note: e.target.value })} maxLength={200} autoComplete="off" data-testid="test-source-note" />
            </label>
            <label className="select-label">
              For days (at most {TEST_SOURCE_MAX_DAYS})
              <input type="number" min={1} max={TEST_SOURCE_MAX_DAYS} value={draft.days} onChange={(e) => set({ days: Number(e.target.value) })} />
            </label>
            <div className="toolbar">
              <button type="submit" className="btn primary" disabled={!canSave}>
                Declare
              </button>
            </div>
            {(declare.error || remove.error) && (
              <div className="state error" role="alert" data-testid="test-source-error">
                {describeError(declare.error ?? remove.error)}
              </div>
            )}
          </form>
        </div>
      )}
    </QueryPanel>
  )
}
