// The response cache in one process's memory: a Map kept in recency order (a hit moves its entry to the end),
// evicting from the front until the byte bound holds. A min-heap on expiry finds expired entries wherever
// they sit in that order, so an entry past its TTL leaves before a live one is evicted to make room.
import { cacheLimits, entryBytes, storable, type CacheEntry, type ResponseCache, type ResponseCacheOptions } from '../response-cache.js';

type Held = CacheEntry & { key: string; bytes: number };

export function createMemoryResponseCache(options: ResponseCacheOptions): ResponseCache {
  const limits = cacheLimits(options);
  const entries = new Map<string, Held>();
  const expiries = new ExpiryHeap();
  let bytes = 0;

  const drop = (held: Held) => {
    entries.delete(held.key);
    bytes -= held.bytes;
  };

  function dropExpired(now: number): void {
    // The heap still holds entries since replaced, deleted or evicted: only the one the Map holds counts.
    for (let held = expiries.popDue(now); held !== undefined; held = expiries.popDue(now)) {
      if (entries.get(held.key) === held) drop(held);
    }
    // Those stale items leave the heap only when due; with long TTLs they are shed here instead.
    if (expiries.length > 2 * entries.size + 64) expiries.rebuild(entries.values());
  }

  function makeRoom(needed: number): void {
    for (const held of entries.values()) {
      if (bytes + needed <= limits.maxBytes) return;
      drop(held);
    }
  }

  return {
    async get(key, now = limits.now()) {
      const held = entries.get(key);
      if (held === undefined) return undefined;
      if (held.expiresAt <= now) {
        drop(held);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, held);
      return { value: held.value, storedAt: held.storedAt, expiresAt: held.expiresAt };
    },
    async set(key, value, ttlMs, now = limits.now()) {
      const size = entryBytes(key, value);
      if (!storable(limits, size, ttlMs)) return false;
      dropExpired(now);
      const previous = entries.get(key);
      if (previous !== undefined) drop(previous);
      makeRoom(size);
      const held: Held = { key, value, storedAt: now, expiresAt: now + ttlMs, bytes: size };
      entries.set(key, held);
      expiries.push(held);
      bytes += size;
      return true;
    },
    async delete(key) {
      const held = entries.get(key);
      if (held !== undefined) drop(held);
    },
    async size() {
      dropExpired(limits.now());
      return { entries: entries.size, bytes };
    },
    async close() {
      entries.clear();
      expiries.rebuild([]);
      bytes = 0;
    },
  };
}

/** A binary min-heap of entries by expiresAt. */
class ExpiryHeap {
  private items: Held[] = [];

  get length(): number {
    return this.items.length;
  }

  push(held: Held): void {
    let index = this.items.length;
    this.items.push(held);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.items[parent]!.expiresAt <= held.expiresAt) break;
      this.items[index] = this.items[parent]!;
      index = parent;
    }
    this.items[index] = held;
  }

  /** Removes and returns the earliest-expiring item when it has expired by `now`. */
  popDue(now: number): Held | undefined {
    const top = this.items[0];
    if (top === undefined || top.expiresAt > now) return undefined;
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  rebuild(live: Iterable<Held>): void {
    this.items = [...live];
    for (let index = (this.items.length >> 1) - 1; index >= 0; index--) this.siftDown(index);
  }

  private siftDown(start: number): void {
    const items = this.items;
    const moving = items[start]!;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= items.length) break;
      if (child + 1 < items.length && items[child + 1]!.expiresAt < items[child]!.expiresAt) child += 1;
      if (items[child]!.expiresAt >= moving.expiresAt) break;
      items[index] = items[child]!;
      index = child;
    }
    items[index] = moving;
  }
}
