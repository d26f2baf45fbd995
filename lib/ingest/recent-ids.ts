/**
 * Bounded memory of recently seen event ids, so a gateway that re-sends an
 * event gets a dead letter ("duplicate_event_id") instead of a second row.
 * Messages are keyed by install id, so every copy of an event reaches the same
 * partition and therefore the same consumer.
 *
 * Two generations instead of evicting one id at a time: deleting the oldest
 * entry of a V8 Set leaves a hole that every later "oldest" lookup walks past,
 * so per-id eviction grew quadratic once the Set was full (ingest fell from
 * ~27k to ~13k events/s after 250k events, and kept falling). Here the
 * current generation fills up to `capacity`, then becomes the previous one
 * and the one before it is dropped whole: the last `capacity` ids are always
 * remembered, at most twice that.
 */
export class RecentIds {
  private current = new Set<string>()
  private previous = new Set<string>()
  constructor(private readonly capacity = 200_000) {}

  /** True if the id was already seen; otherwise remembers it. */
  seen(id: string): boolean {
    if (this.current.has(id) || this.previous.has(id)) return true
    if (this.current.size >= this.capacity) {
      this.previous = this.current
      this.current = new Set()
    }
    this.current.add(id)
    return false
  }

  forget(id: string): void {
    this.current.delete(id)
    this.previous.delete(id)
  }

  get size(): number {
    return this.current.size + this.previous.size
  }
}
