/**
 * Dense integer ids for string keys (tenant\0install, tenant\0feature\0install).
 * A detector that keeps minutes between runs and sums them every run
 * (farm-timing.ts, bombing-window-minutes.ts) then adds into typed arrays
 * indexed by id instead of looking up a string-keyed Map ≈ 10⁶ times a run
 * (1.7 s of CPU per run for farm timing at 5,000 ev/s).
 */
export class KeyIds {
  private ids = new Map<string, number>()
  keys: string[] = []
  /** keys[id] split at \u0000, once: splitting every key every run (≈ 60,000 for the window pass at 5,000 ev/s) was a share of its CPU and garbage. */
  private split: (string[] | undefined)[] = []

  /** The parts of keys[id] (its fields, split at \u0000), kept; callers only read them. */
  parts(id: number): readonly string[] {
    return (this.split[id] ??= this.keys[id].split('\u0000'))
  }

  id(key: string): number {
    let i = this.ids.get(key)
    if (i === undefined) {
      i = this.keys.push(key) - 1
      this.ids.set(key, i)
    }
    return i
  }

  get size(): number {
    return this.keys.length
  }

  /**
   * Installs come and go: when fewer than half the ids are still `live`, keeps only those, renumbered, and returns
   * old id → new id (-1 for a dropped one) for the holders of ids to remap; otherwise null.
   */
  compact(live: (id: number) => boolean): Int32Array | null {
    const alive = this.keys.filter((_, i) => live(i)).length
    if (this.keys.length < 1_000 || alive * 2 > this.keys.length) return null
    const remap = new Int32Array(this.keys.length).fill(-1)
    const keys: string[] = []
    const split: (string[] | undefined)[] = []
    this.ids = new Map()
    this.keys.forEach((k, i) => {
      if (!live(i)) return
      remap[i] = keys.push(k) - 1
      split[remap[i]] = this.split[i]
      this.ids.set(k, remap[i])
    })
    this.keys = keys
    this.split = split
    return remap
  }
}

/** `ids` renumbered by a KeyIds.compact remap (every id in it live). */
export const remapIds = (ids: Int32Array, remap: Int32Array): Int32Array => ids.map((i) => remap[i])
