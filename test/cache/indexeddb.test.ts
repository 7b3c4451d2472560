import 'fake-indexeddb/auto';
import { createStore, get, set } from 'idb-keyval';
import { describe, expect, it, vi } from 'vitest';
import { IndexedDbCache } from '../../src/cache/indexeddb.js';
import { cacheContractSuite } from './contract.js';
import { indexedDbHarness } from './harnesses.js';

const raw = createStore('rotor-auth', 'tokens');

cacheContractSuite('IndexedDbCache (fake-indexeddb)', indexedDbHarness());

describe('IndexedDbCache specifics', () => {
  it("stores entries in rotor-auth's own database and object store", async () => {
    const cache = new IndexedDbCache();
    await cache.set('@@rotor@@::c::own', { a: 1 });
    expect(await get('@@rotor@@::c::own', raw)).toBe('{"v":1,"data":{"a":1}}');
    // idb-keyval's default store is untouched.
    expect(await get('@@rotor@@::c::own')).toBeUndefined();
  });

  it('keeps separate databases apart when given other names', async () => {
    const a = new IndexedDbCache({ dbName: 'rotor-auth-a', storeName: 'tokens' });
    const b = new IndexedDbCache({ dbName: 'rotor-auth-b', storeName: 'tokens' });
    await a.set('@@rotor@@::c::k', { db: 'a' });
    expect(await b.get('@@rotor@@::c::k')).toBeUndefined();
    expect(await b.allKeys()).toEqual([]);
  });

  it('adds its object store to a database that already exists without it, without blocking open connections', async () => {
    const first = new IndexedDbCache({ dbName: 'rotor-auth-shared-db', storeName: 'tokens' });
    await first.set('@@rotor@@::c::k', { store: 'tokens' });
    const second = new IndexedDbCache({ dbName: 'rotor-auth-shared-db', storeName: 'tokens-v2' });
    await second.set('@@rotor@@::c::k', { store: 'tokens-v2' });
    expect(await second.get('@@rotor@@::c::k')).toEqual({ store: 'tokens-v2' });
    // The first instance's connection was closed for the upgrade and reopens transparently.
    expect(await first.get('@@rotor@@::c::k')).toEqual({ store: 'tokens' });
    await first.set('@@rotor@@::c::other', { ok: true });
    expect(await new IndexedDbCache({ dbName: 'rotor-auth-shared-db', storeName: 'tokens' }).allKeys()).toEqual(
      expect.arrayContaining(['@@rotor@@::c::k', '@@rotor@@::c::other']),
    );
  });

  it('drops a structured-clone object written by another library under a rotor-auth key', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const cache = new IndexedDbCache();
      await set('@@rotor@@::c::object', { v: 1, data: { not: 'a string' } }, raw);
      expect(await cache.get('@@rotor@@::c::object')).toBeUndefined();
      expect(await get('@@rotor@@::c::object', raw)).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/not a string \(object\)/);
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects with StorageError when IndexedDB does not exist', async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error simulate an environment without IndexedDB
    delete globalThis.indexedDB;
    try {
      await expect(new IndexedDbCache().get('@@rotor@@::c::k')).rejects.toMatchObject({
        error: 'storage_error',
        message: 'IndexedDB is not available in this environment',
      });
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});
