import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { cacheContractSuite } from './contract.js';

/**
 * What a user would hand to `cache:`: an async key/value store that keeps JSON
 * (as a remote KV or an encrypted store would). Every call yields to the event
 * loop so ordering bugs in callers show up.
 */
const backing = new Map<string, string>();
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

class AsyncJsonCache implements Cache {
  async get<T = unknown>(key: string): Promise<T | undefined> {
    await tick();
    const raw = backing.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async set<T = unknown>(key: string, entry: T): Promise<void> {
    await tick();
    backing.set(key, JSON.stringify(entry));
  }
  async remove(key: string): Promise<void> {
    await tick();
    backing.delete(key);
  }
  async allKeys(): Promise<string[]> {
    await tick();
    return [...backing.keys()];
  }
}

cacheContractSuite('custom async Cache (user-supplied)', {
  create: () => new AsyncJsonCache(),
  reset: () => backing.clear(),
  shared: true,
});

/** A minimal custom cache without the optional allKeys(). */
class NoListCache implements Cache {
  readonly #m = new Map<string, string>();
  async get<T>(key: string): Promise<T | undefined> {
    const raw = this.#m.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async set<T>(key: string, entry: T): Promise<void> {
    this.#m.set(key, JSON.stringify(entry));
  }
  async remove(key: string): Promise<void> {
    this.#m.delete(key);
  }
}

cacheContractSuite('custom async Cache without allKeys', { create: () => new NoListCache() });

describe('the contract suite itself', () => {
  it('is registered against a backend that keeps data per instance when not shared', async () => {
    const a = new NoListCache();
    const b = new NoListCache();
    await a.set('@@rotor@@::c::k', { v: 1 });
    expect(await b.get('@@rotor@@::c::k')).toBeUndefined();
  });
});
