/**
 * A Map that holds at most `max` entries: setting a key puts it last, and
 * when full the oldest-set entry gives way (Map iteration follows insertion
 * order). For caches whose entries are checked before use, so that dropping
 * one only costs a recomputation.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    if (this.size >= this.max) {
      const oldest = this.keys().next();
      if (!oldest.done) super.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
