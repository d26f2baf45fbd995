/**
 * Order statistics over one install's slice of the stream window's flat arrays (stream-window-minutes.ts): the peak
 * of concurrently open streams and the exact median duration, in place, without sorting or allocating per install.
 */

/**
 * The most streams open at once among streams [lo, hi) of `ends` (ascending) and their `durations`: the running
 * count of streamInstallsSql (+1 at a start, −1 at an end, ends first at a tie: a stream is open over [start, end)),
 * whose maximum is reached just before some stream's end. Walking the ends from the last: the streams ending at or
 * after an end e that started before it were all open just before it. Their starts are kept in a max-heap; a start
 * at or after e leaves it (and every earlier end is earlier still). No sort: the heap holds the streams open at
 * one moment, a handful.
 */
export function peakOpen(ends: Float64Array, durations: Float64Array, lo: number, hi: number, heap: MaxHeap): number {
  heap.clear()
  let peak = 0
  let i = hi - 1
  while (i >= lo) {
    const e = ends[i]
    for (; i >= lo && ends[i] === e; i--) heap.push(e - durations[i])
    while (heap.size > 0 && heap.top() >= e) heap.pop()
    if (heap.size > peak) peak = heap.size
  }
  return peak
}

/** A binary max-heap of numbers, its storage reused from call to call. */
export class MaxHeap {
  private a = new Float64Array(64)
  size = 0

  clear(): void {
    this.size = 0
  }

  top(): number {
    return this.a[0]
  }

  push(x: number): void {
    if (this.size === this.a.length) {
      const grown = new Float64Array(this.a.length * 2)
      grown.set(this.a)
      this.a = grown
    }
    const a = this.a
    let i = this.size++
    while (i > 0) {
      const p = (i - 1) >> 1
      if (a[p] >= x) break
      a[i] = a[p]
      i = p
    }
    a[i] = x
  }

  pop(): void {
    const a = this.a
    const x = a[--this.size]
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= this.size) break
      if (c + 1 < this.size && a[c + 1] > a[c]) c++
      if (a[c] <= x) break
      a[i] = a[c]
      i = c
    }
    a[i] = x
  }
}

/** The value that would stand at index `nth` of a[lo..hi] (inclusive) sorted ascending (quickselect; reorders that part of `a`). */
export function selectNth(a: Float64Array, lo: number, hi: number, nth: number): number {
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i] < pivot) i++
      while (a[j] > pivot) j--
      if (i <= j) {
        const t = a[i]
        a[i] = a[j]
        a[j] = t
        i++
        j--
      }
    }
    if (nth <= j) hi = j
    else if (nth >= i) lo = i
    else return a[nth]
  }
  return a[nth]
}
