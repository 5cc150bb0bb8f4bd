/**
 * A map of at most `capacity` entries that forgets the least recently used one first. A JS Map keeps insertion
 * order, so re-inserting an entry on use makes the first key the least recently used.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /**
   * Stores `value` as the most recently used, forgetting the least recently used entry past the capacity; returns
   * the entry forgotten, if one was.
   */
  set(key: K, value: V): [K, V] | undefined {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size <= this.capacity) return undefined;
    const oldest = this.entries.entries().next();
    if (oldest.done === true) return undefined;
    this.entries.delete(oldest.value[0]);
    return oldest.value;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.clear();
  }

  /** Removes `key` and returns its value, if it was there. */
  take(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) this.entries.delete(key);
    return value;
  }
}
