'use client'
import { useState } from 'react'
import { zoneName } from '@/lib/format'
import { PRESET_LABELS, RANGE_PRESETS, type RangePreset } from '@/lib/time-range'
import { useDashboardParams } from '../hooks/useDashboardParams'

const pad = (n: number) => String(n).padStart(2, '0')
/** <input type="datetime-local"> speaks local wall-clock time without a zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function TimeRangePicker() {
  const { range, from, to, setParams } = useDashboardParams()
  const [open, setOpen] = useState(false)
  const [draft, setDraft] = useState({ from: '', to: '' })
  const choose = (preset: RangePreset) => {
    if (preset === 'custom') {
      const end = to ?? Date.now()
      const start = from ?? end - 3_600_000
      setDraft({ from: toLocalInput(start), to: toLocalInput(end) })
      setOpen(true)
      return
    }
    setOpen(false)
    setParams({ range: preset, from: null, to: null }, { resetPages: true })
  }
  const apply = (e: React.FormEvent) => {
    e.preventDefault()
    const f = new Date(draft.from).getTime()
    const t = new Date(draft.to).getTime()
    if (!(f < t)) return
    setParams({ range: 'custom', from: f, to: t, live: null }, { resetPages: true })
    setOpen(false)
  }
  return (
    <div className="range-picker">
      <div className="segmented" role="group" aria-label="Time range">
        {RANGE_PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            className={range === p ? 'on' : undefined}
            aria-pressed={range === p}
            onClick={() => choose(p)}
            title={PRESET_LABELS[p]}
          >
            {p === 'custom' ? 'Custom' : p}
          </button>
        ))}
      </div>
      {range === 'custom' && from !== undefined && to !== undefined && !open && (
        <span className="muted small range-label" suppressHydrationWarning>
          {toLocalInput(from).replace('T', ' ')} → {toLocalInput(to).replace('T', ' ')} {zoneName(to)}
        </span>
      )}
      {open && (
        <form className="popover" onSubmit={apply} aria-label="Custom time range">
          <span className="muted small">Local time ({zoneName()})</span>
          <label>
            From <input type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} required />
          </label>
          <label>
            To <input type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} required />
          </label>
          <div className="row gap">
            <button type="submit" className="btn primary">
              Apply
            </button>
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  )
}
