import { describe, expect, it } from 'vitest'
import { gcStats } from '../../lib/enforcement/gc-stats'

describe('gcStats', () => {
  it('counts the scavenges this process pauses for, and stops counting when stopped', async () => {
    const gc = gcStats()
    let keep: number[][] = []
    // Short-lived garbage well past the young generation's size: at least one scavenge.
    for (let i = 0; i < 200_000; i++) {
      keep.push(new Array(16).fill(i))
      if (keep.length > 64) keep = []
    }
    await new Promise((r) => setTimeout(r, 50)) // observer entries arrive after the collection
    expect(gc.stats.minor.count).toBeGreaterThan(0)
    expect(gc.stats.minor.ms).toBeGreaterThan(0)
    expect(gc.stats.minor.slow).toBeLessThanOrEqual(gc.stats.minor.count)
    gc.stop()
    const counted = gc.stats.minor.count
    for (let i = 0; i < 200_000; i++) (keep.push(new Array(16).fill(i)), keep.length > 64 && (keep = []))
    await new Promise((r) => setTimeout(r, 50))
    expect(gc.stats.minor.count).toBe(counted)
  })
})
