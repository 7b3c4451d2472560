import { createStore, del, get, set } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { IndexedDbCache } from '../../src/cache/indexeddb.js';
import { LocalStorageCache } from '../../src/cache/local-storage.js';
import { InMemoryCache } from '../../src/cache/memory.js';
import { cacheContractSuite } from '../cache/contract.js';

describe('real browser environment', () => {
  it('runs in Chromium with the real storage APIs (not happy-dom / fake-indexeddb)', () => {
    expect(navigator.userAgent).toMatch(/Chrome\//);
    expect(Object.prototype.toString.call(localStorage)).toBe('[object Storage]');
    expect(Object.prototype.toString.call(indexedDB)).toBe('[object IDBFactory]');
  });
});

cacheContractSuite('InMemoryCache (Chromium)', { create: () => new InMemoryCache() });

cacheContractSuite('LocalStorageCache (Chromium)', {
  create: () => new LocalStorageCache(),
  reset: () => localStorage.clear(),
  shared: true,
  raw: {
    write: (key, raw) => localStorage.setItem(key, String(raw)),
    read: (key) => localStorage.getItem(key) ?? undefined,
  },
});

const idbRaw = createStore('rotor-auth', 'tokens');
cacheContractSuite('IndexedDbCache (Chromium)', {
  create: () => new IndexedDbCache(),
  reset: async () => {
    for (const k of await new IndexedDbCache().allKeys()) await del(k, idbRaw);
  },
  shared: true,
  raw: {
    write: (key, value) => set(key, value, idbRaw),
    read: (key) => get(key, idbRaw),
  },
});

const backing = new Map<string, string>();
class AsyncJsonCache implements Cache {
  async get<T = unknown>(key: string): Promise<T | undefined> {
    await Promise.resolve();
    const raw = backing.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async set<T = unknown>(key: string, entry: T): Promise<void> {
    await Promise.resolve();
    backing.set(key, JSON.stringify(entry));
  }
  async remove(key: string): Promise<void> {
    await Promise.resolve();
    backing.delete(key);
  }
  async allKeys(): Promise<string[]> {
    return [...backing.keys()];
  }
}
cacheContractSuite('custom async Cache (Chromium)', {
  create: () => new AsyncJsonCache(),
  reset: () => backing.clear(),
  shared: true,
});
