'use client'
import { useState } from 'react'
import { useMe } from '@/components/hooks/useMe'
import { useApplyChange, useDryRun, useUndoChange } from '@/components/hooks/usePolicy'
import type { DryRunResponse } from '@/lib/policy/api-types'
import { count as fmtCount } from '@/lib/format'
import type { ChangeRequest, Controls } from '@/lib/policy/types'
import { describeError } from './errors'
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
 *  - outOf: how many installs installIds were taken from, when it is only a
 *    part of them (a farm's member list is capped): the confirmation then says
 *    how many are left out, so a bulk revoke never looks like it covers all.
 *  - title: heading text (default: what is being acted on).
 *  - onApplied(version): called after a change is applied.
 * A viewer gets a read-only note and no controls (the server would answer
 * 403). The server still enforces every role limit; the dry run says whether
 * this user may apply the change as is.
 */
export interface ActionPanelProps {
  scope: ChangeRequest['scope']
  subject?: string
  installIds?: string[]
  outOf?: number
  title?: string
  onApplied?: (version: number) => void
}

const DURATIONS: [string, number | null][] = [
  ['15 min', 15],
  ['1 hour', 60],
  ['4 hours', 240],
  ['24 hours', 1440],
  ['7 days', 10080],
  ['permanent', null],
]
type Act = ChangeRequest['action']
const num = (s: string) => (s.trim() === '' ? undefined : Math.max(0, Math.round(Number(s))))
const box = { border: '1px solid var(--border)', borderRadius: 6, padding: 12, maxWidth: 560, display: 'grid', gap: 8, color: 'var(--text)' } as const

export function ActionPanel({ scope, subject, installIds, outOf, title, onApplied }: ActionPanelProps) {
  const me = useMe()
  const dryRun = useDryRun()
  const apply = useApplyChange()
  const undo = useUndoChange()
  const subjects = installIds?.length ? installIds : subject ? [subject] : []
  const effScope = installIds?.length ? 'install' : scope
  const unique = [...new Set(subjects)]
  const count = unique.length
  // A preview is only valid for the subjects it was run on: a live refresh or another cluster must not inherit it.
  const subjectsKey = `${effScope}|${[...unique].sort().join(',')}`
  const [action, setAction] = useState<Act>('revoke')
  const [duration, setDuration] = useState<number | null>(60)
  const [reason, setReason] = useState('')
  const [q, setQ] = useState<Record<string, string>>({})
  const [typedCount, setTypedCount] = useState('')
  const [previewState, setPreview] = useState<{ key: string; result: DryRunResponse } | null>(null)
  const [message, setMessage] = useState<{ ok: boolean; text: string; version?: number } | null>(null)
  const preview = previewState?.key === subjectsKey ? previewState.result : null
  const role = me.role
  const busy = dryRun.isPending || apply.isPending || undo.isPending

  const verb = { revoke: 'Revoke', quota: 'Apply quota to', degrade: 'Degrade', clear: 'Clear rules of' }[action]
  const noun = effScope === 'install' ? `install${count === 1 ? '' : 's'}` : `${effScope}${count === 1 ? '' : 's'}`
  const heading = title ?? `Act on ${count === 1 ? subjects[0] : `${count} ${noun}`}`
  const leftOut = outOf !== undefined && outOf > count ? outOf - count : 0

  if (role === 'viewer') {
    return (
      <section data-testid="action-panel" style={box}>
        <h3>{heading}</h3>
        <p className="muted" data-testid="policy-readonly" style={{ margin: 0 }}>
          Read-only: viewers cannot change policy. Ask a responder or an admin to act on this.
        </p>
      </section>
    )
  }
  // Nothing can be sent until the role is known. If /me itself failed, the controls stay usable
  // and the server decides (as AlertDetail does), rather than locking a responder out.
  const locked = !role && !me.error

  const controls = (): Omit<Controls, 'revoked'> => {
    if (action === 'quota') {
      return Object.fromEntries(
        Object.entries({
          tokensPerMinute: num(q.tpm ?? ''),
          tokensPerDay: num(q.tpd ?? ''),
          spendPerDayMicros: q.spd ? Math.round(Number(q.spd) * 1_000_000) : undefined,
          maxContextTokens: num(q.ctx ?? ''),
          maxOutputTokens: num(q.out ?? ''),
          maxConcurrentStreams: num(q.streams ?? ''),
        }).filter(([, v]) => v !== undefined),
      )
    }
    if (action === 'degrade')
      return { degrade: { maxContextTokens: num(q.dctx ?? '') ?? 2000, maxOutputTokens: num(q.dout ?? '') ?? 256, riskyOnly: q.risky === '1' } }
    return {}
  }
  const request = (): ChangeRequest => ({
    scope: effScope,
    subjects: unique,
    action,
    controls: controls(),
    durationMinutes: duration,
    reason,
    confirmCount: count > 1 ? Number(typedCount) : undefined,
  })

  const run = async (fn: () => Promise<void>) => {
    setMessage(null)
    try {
      await fn()
    } catch (e) {
      setMessage({ ok: false, text: describeError(e) })
    }
  }
  const doPreview = () => run(async () => setPreview({ key: subjectsKey, result: await dryRun.mutateAsync(request()) }))
  const doApply = () =>
    run(async () => {
      const r = await apply.mutateAsync(request())
      if (r.status === 'applied') {
        setMessage({ ok: true, text: `Applied as policy version ${r.version} (${r.rules} rule${r.rules === 1 ? '' : 's'})`, version: r.version })
        onApplied?.(r.version)
      } else setMessage({ ok: true, text: 'Waiting for a second admin to approve (see Policies)' })
      setPreview(null)
    })
  const doUndo = (v: number) =>
    run(async () => {
      const r = await undo.mutateAsync({ version: v, reason: `undo from panel: ${reason || 'operator'}` })
      setMessage({ ok: true, text: `Undone by version ${r.version}` })
    })
  const reset = () => setPreview(null)

  const confirmed = count <= 1 || Number(typedCount) === count
  const canApply = !locked && !busy && count > 0 && reason.trim().length >= 3 && confirmed && preview !== null && preview.allowed.ok
  const field = (key: string, label: string, placeholder = '') => (
    <label style={{ display: 'block' }}>
      {label}{' '}
      <input
        data-testid={`policy-${key}`}
        value={q[key] ?? ''}
        placeholder={placeholder}
        disabled={locked}
        onChange={(e) => {
          setQ({ ...q, [key]: e.target.value })
          reset()
        }}
        size={10}
      />
    </label>
  )

  return (
    <section data-testid="action-panel" style={box}>
      <h3>{heading}</h3>
      {me.error && <div className="small muted">Could not check your role ({me.error.message}); the server will refuse what it does not allow.</div>}
      {locked && !me.error && <div className="small muted">Checking your role…</div>}
      {leftOut > 0 && (
        <div className="small" data-testid="policy-partial" style={{ color: 'var(--warn)' }}>
          Acts on exactly {fmtCount(count)} of {fmtCount(outOf!)} installs; the other {fmtCount(leftOut)} are not included.
        </div>
      )}
      <div role="radiogroup" aria-label="action">
        {(['revoke', 'quota', 'degrade', 'clear'] as Act[]).map((a) => (
          <label key={a} style={{ marginRight: 10 }}>
            <input
              type="radio"
              name="policy-action"
              value={a}
              checked={action === a}
              disabled={locked}
              data-testid={`policy-action-${a}`}
              onChange={() => {
                setAction(a)
                reset()
              }}
            />{' '}
            {a}
          </label>
        ))}
      </div>
      {action === 'quota' && (
        <div>
          {field('tpm', 'tokens / minute')}
          {field('tpd', 'tokens / day')}
          {field('spd', 'spend / day ($)')}
          {field('ctx', 'max context tokens')}
          {field('out', 'max output tokens')}
          {field('streams', 'max concurrent streams')}
        </div>
      )}
      {action === 'degrade' && (
        <div>
          {field('dctx', 'max context tokens', '2000')}
          {field('dout', 'max output tokens', '256')}
          <label>
            <input
              type="checkbox"
              checked={q.risky === '1'}
              disabled={locked}
              onChange={(e) => {
                setQ({ ...q, risky: e.target.checked ? '1' : '' })
                reset()
              }}
            />{' '}
            only installs with rejected attestation
          </label>
        </div>
      )}
      {action !== 'clear' && (
        <label style={{ display: 'block' }}>
          for{' '}
          <select
            data-testid="policy-duration"
            value={String(duration)}
            disabled={locked}
            onChange={(e) => {
              setDuration(e.target.value === 'null' ? null : Number(e.target.value))
              reset()
            }}
          >
            {DURATIONS.map(([l, v]) => (
              <option key={l} value={String(v)}>
                {l}
              </option>
            ))}
          </select>
        </label>
      )}
      <label style={{ display: 'block' }}>
        reason{' '}
        <input
          data-testid="policy-reason"
          value={reason}
          disabled={locked}
          onChange={(e) => setReason(e.target.value)}
          size={40}
          placeholder="why (kept in the audit log)"
        />
      </label>
      <div>
        <button type="button" className="btn" data-testid="policy-preview" disabled={locked || busy || count === 0} onClick={doPreview}>
          Preview impact
        </button>
      </div>
      {preview && <Radius dryRun={preview} />}
      {preview && count > 1 && (
        <label style={{ display: 'block' }}>
          Type <b>{count}</b> to confirm {verb.toLowerCase()} exactly {fmtCount(count)} {noun}
          {leftOut > 0 ? ` (not the other ${fmtCount(leftOut)})` : ''}{' '}
          <input data-testid="policy-confirm-count" value={typedCount} onChange={(e) => setTypedCount(e.target.value)} size={6} />
        </label>
      )}
      {preview && (
        <div>
          <button
            type="button"
            data-testid="policy-apply"
            className={`btn ${action === 'revoke' ? 'danger' : 'primary'}`}
            disabled={!canApply}
            onClick={doApply}
            style={{ fontWeight: 600 }}
          >
            {verb} {count} {noun}
            {duration === null || action === 'clear' ? '' : ` for ${DURATIONS.find(([, v]) => v === duration)?.[0]}`}
          </button>
        </div>
      )}
      {message && (
        <p data-testid="policy-result" role={message.ok ? 'status' : 'alert'} style={{ margin: 0, color: message.ok ? 'var(--ok)' : 'var(--crit)' }}>
          {message.text}{' '}
          {message.version !== undefined && (
            <button type="button" className="btn small" data-testid="policy-undo" disabled={busy} onClick={() => doUndo(message.version!)}>
              Undo
            </button>
          )}
        </p>
      )}
    </section>
  )
}
