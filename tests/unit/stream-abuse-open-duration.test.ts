import { describe, expect, it } from 'vitest'
import { medianWithOpen, mergeOpenStreams, scoreStreamAbuse, type StreamStats } from '../../lib/detection/stream-abuse'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'

const closed = (install: string, streams: number, medianMs: number): StreamStats => ({
  tenant_id: 't',
  install_id: install,
  streams,
  max_duration_ms: medianMs * 1.5,
  median_duration_ms: medianMs,
  zombie_streams: 0,
  client_disconnects: 0,
  disconnect_cost_micros: 0,
  cost_micros: 100 * streams,
  max_concurrent: 1,
})
const open = (install: string, id: string, elapsed: number) => ({
  tenant_id: 't',
  install_id: install,
  stream_id: id,
  feature: 'chat',
  start_ms: 0,
  last_ms: elapsed,
  elapsed_ms: elapsed,
  context_tokens: 900,
  completion_tokens: Math.round((elapsed / 1000) * 40), // streaming fast: no zombie
})

describe('streams still open count towards the typical stream length', () => {
  it('the median of closed streams (at their median) and open ones (at their elapsed time)', () => {
    expect(medianWithOpen(3, 8_000, [])).toBe(8_000)
    expect(medianWithOpen(3, 8_000, [40_000])).toBe(8_000)
    expect(medianWithOpen(3, 8_000, [90_000, 100_000, 110_000, 120_000, 130_000, 140_000])).toBe(100_000)
  })

  it('an install holding six long answers open beside short closed ones alerts before they close; one open stream does not', () => {
    const stats = [...Array.from({ length: 20 }, (_, i) => closed(`i${i}`, 3, 7_000 + 200 * i)), closed('abuser', 3, 8_000), closed('reader', 3, 8_000)]
    mergeOpenStreams(stats, [...[90, 100, 110, 120, 130, 140].map((s, k) => open('abuser', `a${k}`, s * 1000)), open('reader', 'r0', 40_000)], S)
    const rows = scoreStreamAbuse(stats, S)
    const abuser = rows.find((r) => r.install_id === 'abuser')!
    expect(abuser.max_concurrent).toBe(6)
    expect(abuser.score).toBeGreaterThanOrEqual(50)
    expect(rows.find((r) => r.install_id === 'reader')!.score).toBeLessThan(25)
  })
})
