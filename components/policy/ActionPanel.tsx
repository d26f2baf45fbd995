'use client'
import { useState } from 'react'
import { usePolicyActions, type DryRun } from '@/components/hooks/usePolicy'
import type { ChangeRequest, Controls } from '@/lib/policy/types'
import { Radius } from './Radius'

/**
 * Act on abuse from any page: revoke, quota, degrade or clear, with a dry run
 * of the blast radius before anything is applied, and a confirmation that
 * names the count for bulk changes.
 *
 * Props:
 *  - scope: 'install' | 'tenant' | 'feature' | 'global' — rule scope.
 *  - subject: the one subject at that scope (install id, tenant id,
 *    '<tenant>/<feature>', or '*' for global). Ignored when installIds is set.
 *  - installIds: members of a farm cluster; the change becomes one install
 *    rule per member (scope is then 'install').
 *  - title: heading text (default: what is being acted on).
 *  - onApplied(version): called after a change is applied.
 * The server enforces role limits; a viewer sees the panel disabled.
 */
export interface ActionPanelProps {
  scope: ChangeRequest['scope']
  subject?: string
  installIds?: string[]
  title?: string
  onApplied?: (version: number) => void
}

const DURATIONS: [string, number | null][] = [['15 min', 15], ['1 hour', 60], ['4 hours', 240], ['24 hours', 1440], ['7 days', 10080], ['permanent', null]]
type Act = ChangeRequest['action']
const num = (s: string) => (s.trim() === '' ? undefined : Math.max(0, Math.round(Number(s))))

export function ActionPanel({ scope, subject, installIds, title, onApplied }: ActionPanelProps) {
  const actions = usePolicyActions()
  const subjects = installIds?.length ? installIds : subject ? [subject] : []
  const effScope = installIds?.length ? 'install' : scope
  const count = new Set(subjects).size
  const [action, setAction] = useState<Act>('revoke')
  const [duration, setDuration] = useState<number | null>(60)
  const [reason, setReason] = useState('')
  const [q, setQ] = useState<Record<string, string>>({})
  const [typedCount, setTypedCount] = useState('')
  const [preview, setPreview] = useState<DryRun | null>(null)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ ok: boolean; text: string; version?: number } | null>(null)

  const controls = (): Omit<Controls, 'revoked'> => {
    if (action === 'quota') {
      return Object.fromEntries(Object.entries({
        tokensPerMinute: num(q.tpm ?? ''), tokensPerDay: num(q.tpd ?? ''),
        spendPerDayMicros: q.spd ? Math.round(Number(q.spd) * 1_000_000) : undefined,
        maxContextTokens: num(q.ctx ?? ''), maxOutputTokens: num(q.out ?? ''), maxConcurrentStreams: num(q.streams ?? ''),
      }).filter(([, v]) => v !== undefined))
    }
    if (action === 'degrade') return { degrade: { maxContextTokens: num(q.dctx ?? '') ?? 2000, maxOutputTokens: num(q.dout ?? '') ?? 256, riskyOnly: q.risky === '1' } }
    return {}
  }
  const request = (): ChangeRequest => ({ scope: effScope, subjects, action, controls: controls(), durationMinutes: duration, reason, confirmCount: count > 1 ? Number(typedCount) : undefined })

  const run = async (fn: () => Promise<void>) => {
    setBusy(true)
    setMessage(null)
    try {
      await fn()
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message })
    } finally {
      setBusy(false)
    }
  }
  const doPreview = () => run(async () => setPreview(await actions.dryRun(request())))
  const doApply = () => run(async () => {
    const r = await actions.apply(request())
    if (r.status === 'applied') {
      setMessage({ ok: true, text: `Applied as policy version ${r.version} (${r.rules} rule${r.rules === 1 ? '' : 's'})`, version: r.version })
      onApplied?.(r.version)
    } else setMessage({ ok: true, text: 'Waiting for a second admin to approve (see Policies)' })
    setPreview(null)
  })
  const doUndo = (v: number) => run(async () => {
    const r = await actions.undo(v, `undo from panel: ${reason || 'operator'}`)
    setMessage({ ok: true, text: r.status === 'applied' ? `Undone by version ${r.version}` : 'Undo pending approval' })
  })

  const verb = { revoke: 'Revoke', quota: 'Apply quota to', degrade: 'Degrade', clear: 'Clear rules of' }[action]
  const noun = effScope === 'install' ? `install${count === 1 ? '' : 's'}` : `${effScope}${count === 1 ? '' : 's'}`
  const confirmed = count <= 1 || Number(typedCount) === count
  const canApply = !busy && count > 0 && reason.trim().length >= 3 && confirmed && preview !== null && preview.allowed.ok
  const field = (key: string, label: string, placeholder = '') => (
    <label style={{ display: 'block' }}>{label} <input data-testid={`policy-${key}`} value={q[key] ?? ''} placeholder={placeholder} onChange={(e) => { setQ({ ...q, [key]: e.target.value }); setPreview(null) }} size={10} /></label>
  )

  return (
    <section data-testid="action-panel" style={{ border: '1px solid #ccc', borderRadius: 6, padding: 12, maxWidth: 520 }}>
      <h3 style={{ marginTop: 0 }}>{title ?? `Act on ${count === 1 ? subjects[0] : `${count} ${noun}`}`}</h3>
      <div role="radiogroup" aria-label="action">
        {(['revoke', 'quota', 'degrade', 'clear'] as Act[]).map((a) => (
          <label key={a} style={{ marginRight: 10 }}>
            <input type="radio" name="policy-action" value={a} checked={action === a} data-testid={`policy-action-${a}`} onChange={() => { setAction(a); setPreview(null) }} /> {a}
          </label>
        ))}
      </div>
      {action === 'quota' && (
        <div>
          {field('tpm', 'tokens / minute')}{field('tpd', 'tokens / day')}{field('spd', 'spend / day ($)')}
          {field('ctx', 'max context tokens')}{field('out', 'max output tokens')}{field('streams', 'max concurrent streams')}
        </div>
      )}
      {action === 'degrade' && (
        <div>
          {field('dctx', 'max context tokens', '2000')}{field('dout', 'max output tokens', '256')}
          <label><input type="checkbox" checked={q.risky === '1'} onChange={(e) => setQ({ ...q, risky: e.target.checked ? '1' : '' })} /> only installs with rejected attestation</label>
        </div>
      )}
      {action !== 'clear' && (
        <label style={{ display: 'block' }}>for{' '}
          <select data-testid="policy-duration" value={String(duration)} onChange={(e) => { setDuration(e.target.value === 'null' ? null : Number(e.target.value)); setPreview(null) }}>
            {DURATIONS.map(([l, v]) => <option key={l} value={String(v)}>{l}</option>)}
          </select>
        </label>
      )}
      <label style={{ display: 'block' }}>reason <input data-testid="policy-reason" value={reason} onChange={(e) => setReason(e.target.value)} size={40} placeholder="why (kept in the audit log)" /></label>
      <button data-testid="policy-preview" disabled={busy || count === 0} onClick={doPreview}>Preview impact</button>
      {preview && <Radius dryRun={preview} />}
      {preview && count > 1 && (
        <label style={{ display: 'block' }}>Type <b>{count}</b> to confirm <input data-testid="policy-confirm-count" value={typedCount} onChange={(e) => setTypedCount(e.target.value)} size={6} /></label>
      )}
      {preview && (
        <button data-testid="policy-apply" disabled={!canApply} onClick={doApply} style={{ marginTop: 8, fontWeight: 600 }}>
          {verb} {count} {noun}{duration === null || action === 'clear' ? '' : ` for ${DURATIONS.find(([, v]) => v === duration)?.[0]}`}
        </button>
      )}
      {message && (
        <p data-testid="policy-result" style={{ color: message.ok ? 'green' : 'crimson' }}>
          {message.text}{' '}
          {message.version !== undefined && <button data-testid="policy-undo" onClick={() => doUndo(message.version!)}>Undo</button>}
        </p>
      )}
    </section>
  )
}
