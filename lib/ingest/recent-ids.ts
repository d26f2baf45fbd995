/**
 * Bounded memory of recently seen event ids, so a gateway that re-sends an
 * event gets a dead letter ("duplicate_event_id") instead of a second row.
 * Messages are keyed by install id, so every copy of an event reaches the same
 * partition and therefore the same consumer.
 */
export class RecentIds {
  private readonly ids = new Set<string>()
  constructor(private readonly capacity = 200_000) {}

  /** True if the id was already seen; otherwise remembers it. */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true
    this.ids.add(id)
    if (this.ids.size > this.capacity) {
      // Sets iterate in insertion order: the first value is the oldest.
      const oldest = this.ids.values().next().value as string
      this.ids.delete(oldest)
    }
    return false
  }

  forget(id: string): void {
    this.ids.delete(id)
  }

  get size(): number {
    return this.ids.size
  }
}
