// A least-recently-used map with a bound on entries and, optionally, on the summed size of its values.
// The entry just written is never evicted, even when it alone exceeds the size bound.
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(
    private readonly maxEntries: number,
    private readonly sizeOf: (v: V) => number = () => 0,
    private readonly maxSize = Infinity,
  ) {}

  get size(): number {
    return this.map.size;
  }

  has(k: K): boolean {
    return this.map.has(k);
  }

  /** Reading an entry makes it the most recently used. */
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v === undefined) return undefined;
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }

  set(k: K, v: V): this {
    this.map.delete(k);
    this.map.set(k, v);
    this.evict(k);
    return this;
  }

  delete(k: K): boolean {
    return this.map.delete(k);
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  /** Values may grow in place (live points); call after they did to re-apply the size bound. */
  evict(keep?: K): void {
    let total = 0;
    if (this.maxSize !== Infinity) for (const v of this.map.values()) total += this.sizeOf(v);
    for (const [k, v] of this.map) {
      if (this.map.size <= this.maxEntries && total <= this.maxSize) break;
      if (k === keep) continue;
      this.map.delete(k);
      total -= this.maxSize === Infinity ? 0 : this.sizeOf(v);
    }
  }
}
