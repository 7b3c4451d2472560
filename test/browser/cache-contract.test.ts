import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { InMemoryCache } from '../../src/cache/memory.js';
import { cacheContractSuite } from '../cache/contract.js';
import { indexedDbHarness, localStorageHarness } from '../cache/harnesses.js';

describe('real browser environment', () => {
  it('runs in Chromium or Firefox with the real storage APIs (not happy-dom / fake-indexeddb)', () => {
    expect(navigator.userAgent).toMatch(/Chrome\/|Firefox\//);
    expect(Object.prototype.toString.call(localStorage)).toBe('[object Storage]');
    expect(Object.prototype.toString.call(indexedDB)).toBe('[object IDBFactory]');
  });
});

cacheContractSuite('InMemoryCache (Chromium)', { create: () => new InMemoryCache() });

cacheContractSuite('LocalStorageCache (Chromium)', localStorageHarness());
cacheContractSuite('IndexedDbCache (Chromium)', indexedDbHarness());

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
