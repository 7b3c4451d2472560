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
      expect(String(warn.mock.calls[0]![0])).toMatch(/\(not an entry\)/);
      // nor is a non-string whose toString() reads as an entry
      await set('@@rotor@@::c::array', ['{"v":1,"data":{"x":1}}'], raw);
      expect(await cache.get('@@rotor@@::c::array')).toBeUndefined();
      expect(await get('@@rotor@@::c::array', raw)).toBeUndefined();
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
        message: 'IndexedDB is not available',
      });
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});

describe('IndexedDbCache: operations issued together share transactions', () => {
  const countTransactions = () => {
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
    return { modes: () => spy.mock.calls.map((c) => c[1] ?? 'readonly'), restore: () => spy.mockRestore() };
  };

  it('runs reads issued in one tick in one readonly transaction', async () => {
    const cache = new IndexedDbCache({ dbName: 'rotor-auth-batch-r' });
    await cache.set('@@rotor@@::c::a', { a: 1 });
    await cache.set('@@rotor@@::c::b', { b: 2 });
    const tx = countTransactions();
    try {
      const got = await Promise.all([cache.get('@@rotor@@::c::a'), cache.get('@@rotor@@::c::b'), cache.get('@@rotor@@::c::none')]);
      expect(got).toEqual([{ a: 1 }, { b: 2 }, undefined]);
      expect(tx.modes()).toEqual(['readonly']);
    } finally {
      tx.restore();
    }
  });

  it('runs a write and a compare-and-set issued together in one readwrite transaction, in order, each with its own result', async () => {
    const cache = new IndexedDbCache({ dbName: 'rotor-auth-batch-w' });
    await cache.set('@@rotor@@::c::rt', { rt: 'old' });
    const tx = countTransactions();
    try {
      const [, swapped, refused] = await Promise.all([
        cache.set('@@rotor@@::c::at', { at: 'new' }),
        cache.compareAndSet('@@rotor@@::c::rt', { rt: 'old' }, { rt: 'new' }),
        cache.compareAndSet('@@rotor@@::c::rt', { rt: 'old' }, { rt: 'other' }), // sees the swap before it
      ]);
      expect([swapped, refused]).toEqual([true, false]);
      expect(tx.modes()).toEqual(['readwrite']);
    } finally {
      tx.restore();
    }
    expect(await cache.get('@@rotor@@::c::rt')).toEqual({ rt: 'new' });
    expect(await cache.get('@@rotor@@::c::at')).toEqual({ at: 'new' });
  });

  it('keeps issue order: a read issued after a write in the same tick sees it (one readwrite transaction)', async () => {
    const cache = new IndexedDbCache({ dbName: 'rotor-auth-batch-order' });
    await cache.set('@@rotor@@::c::k', { n: 0 }); // opens the database first
    const tx = countTransactions();
    try {
      const [, read, , again] = await Promise.all([
        cache.set('@@rotor@@::c::k', { n: 1 }),
        cache.get('@@rotor@@::c::k'),
        cache.set('@@rotor@@::c::k', { n: 2 }),
        cache.get('@@rotor@@::c::k'),
      ]);
      expect([read, again]).toEqual([{ n: 1 }, { n: 2 }]);
      expect(tx.modes()).toEqual(['readwrite']);
    } finally {
      tx.restore();
    }
  });

  it('rejects every operation of an aborted transaction with StorageError', async () => {
    const cache = new IndexedDbCache({ dbName: 'rotor-auth-batch-abort' });
    await cache.set('@@rotor@@::c::k', { n: 1 });
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    try {
      const results = await Promise.allSettled([
        cache.compareAndSet('@@rotor@@::c::k', { n: 1 }, { n: 2 }),
        cache.set('@@rotor@@::c::other', { n: 3 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ error: 'storage_error' });
    } finally {
      put.mockRestore();
    }
    expect(await cache.get('@@rotor@@::c::k')).toEqual({ n: 1 });
    expect(await cache.get('@@rotor@@::c::other')).toBeUndefined();
  });
});
