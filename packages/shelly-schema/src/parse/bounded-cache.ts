/**
 * A memo table that forgets everything when it reaches `limit` entries. Devices repeat the same
 * topics, ids and keys endlessly, so a tiny cache hits almost always, while hostile input can
 * never make it grow beyond `limit`. Entries are pure functions of their keys, so forgetting is
 * always safe.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
  }
}
