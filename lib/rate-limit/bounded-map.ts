/**
 * The rate limiter's one bounded cache: a `Map` that holds at most `maxSize` entries and drops
 * the oldest inserted one to make room. Reads are the native `Map.get` (the request path reads
 * far more than it writes, and an LRU's bookkeeping on every read costs more than the whole
 * in-memory check); dropping the oldest can only forget, never answer wrongly.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly maxSize: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.maxSize && !this.has(key)) {
      const oldest = this.keys().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
