'use client'
import { useIsFetching } from '@tanstack/react-query'
import { useDashboardParams } from '../hooks/useDashboardParams'

/** Live = relative range refetching on an interval; pausing keeps the range but stops the refresh. */
export function LiveToggle() {
  const { range, live, setParams } = useDashboardParams()
  const fetching = useIsFetching() > 0
  if (range === 'custom') {
    return (
      <span className="live-pill off" title="A custom range is a fixed window">
        Fixed window
      </span>
    )
  }
  return (
    <button
      type="button"
      className={`live-pill ${live ? 'on' : 'off'}`}
      aria-pressed={live}
      onClick={() => setParams({ live: live ? '0' : null })}
      title={live ? 'Pause auto-refresh' : 'Resume auto-refresh'}
    >
      <span className={`dot ${live && fetching ? 'pulse' : ''}`} aria-hidden />
      {live ? 'Live' : 'Paused'}
      <span className="muted small">{live ? '❚❚' : '▶'}</span>
    </button>
  )
}
