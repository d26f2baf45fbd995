import type { SeriesPoint } from '@/lib/detection/types'

/** Detector series list only active minutes; sparklines need the quiet minutes as zeros. */
export function fillMinutes(series: SeriesPoint[], from: number, to: number, maxPoints = 120): number[] {
  const start = Math.floor(from / 60_000) * 60_000
  const minutes = Math.max(1, Math.ceil((to - start) / 60_000))
  const per = Math.max(1, Math.ceil(minutes / maxPoints))
  const out = new Array<number>(Math.ceil(minutes / per)).fill(0)
  for (const p of series) {
    const i = Math.floor((p.t - start) / 60_000 / per)
    if (i >= 0 && i < out.length) out[i] = Math.max(out[i], p.value)
  }
  return out
}
