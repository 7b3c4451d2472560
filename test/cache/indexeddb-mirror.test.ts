import 'fake-indexeddb/auto';
import { createStore, set as rawSet } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IndexedDbCache } from '../../src/cache/indexeddb.js';

// IndexedDbCache.peek: the cache-hit path's per-tab mirror. Two IndexedDbCache instances on one
// database stand for two tabs (one localStorage, one database); a raw idb-keyval write stands for a
// write whose marker never arrived (it must not be needed for get()).

/** A Storage over a Map; `failWrites` makes setItem throw (a full quota). */
function memoryStorage() {
  const items = new Map<string, string>();
  const storage = {
    failWrites: false,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (storage.failWrites) throw new DOMException('full', 'QuotaExceededError');
      items.set(k, String(v));
    },
    removeItem: (k: string) => void items.delete(k),
    items,
  };
  return storage;
}

let db = 0;
let storage: ReturnType<typeof memoryStorage>;
let dbName: string;
const KEY = '@@rotor@@::c::at::aud::openid';
const encoded = (value: unknown) => JSON.stringify({ v: 1, data: value });
/** Write behind every cache's back: no marker changes. */
const sneak = (value: unknown) => rawSet(KEY, encoded(value), createStore(dbName, 'tokens'));

beforeEach(() => {
  storage = memoryStorage();
  vi.stubGlobal('localStorage', storage);
  dbName = `rotor-mirror-${++db}`;
});
afterEach(() => vi.unstubAllGlobals());

describe('IndexedDbCache.peek (the per-tab mirror)', () => {
  it('answers a repeated read from the mirror while the marker is unchanged, and from storage once it changes', async () => {
    const tab = new IndexedDbCache({ dbName });
    await tab.set(KEY, { n: 1 });
    expect(await tab.peek(KEY)).toEqual({ n: 1 }); // read from storage, now mirrored
    await sneak({ n: 2 });
    expect(await tab.peek(KEY)).toEqual({ n: 1 }); // the mirror: no transaction
    expect(await tab.get(KEY)).toEqual({ n: 2 }); // get always reads the database
    // Another tab's write bumps the marker once it commits.
    await new IndexedDbCache({ dbName }).set('@@rotor@@::c::other', { x: 1 });
    await sneak({ n: 3 });
    expect(await tab.peek(KEY)).toEqual({ n: 3 });
  });

  it("shows another tab's committed write, removal and compare-and-set at the next peek", async () => {
    const a = new IndexedDbCache({ dbName });
    const b = new IndexedDbCache({ dbName });
    await a.set(KEY, { n: 1 });
    expect(await b.peek(KEY)).toEqual({ n: 1 });
    await a.set(KEY, { n: 2 });
    expect(await b.peek(KEY)).toEqual({ n: 2 });
    expect(await a.compareAndSet(KEY, { n: 2 }, { n: 3 })).toBe(true);
    expect(await b.peek(KEY)).toEqual({ n: 3 });
    await a.remove(KEY);
    expect(await b.peek(KEY)).toBeUndefined();
  });

  it("does not bump the marker for a compare-and-set that stored nothing", async () => {
    const a = new IndexedDbCache({ dbName });
    await a.set(KEY, { n: 1 });
    const marker = [...storage.items.values()][0];
    expect(await a.compareAndSet(KEY, { n: 9 }, { n: 2 })).toBe(false);
    expect([...storage.items.values()][0]).toBe(marker);
  });

  it("never keeps a value read before this tab's own write committed", async () => {
    const tab = new IndexedDbCache({ dbName });
    await tab.set(KEY, { n: 1 });
    await tab.peek(KEY);
    await sneak({ n: 0 }); // what a read issued now finds
    const racing = tab.get(KEY); // issued before the write below, in the same transaction batch
    const writing = tab.set(KEY, { n: 2 });
    expect(await racing).toEqual({ n: 0 });
    await writing;
    expect(await tab.peek(KEY)).toEqual({ n: 2 });
  });

  it('trusts nothing while the marker is missing: a fresh profile, or localStorage cleared', async () => {
    const tab = new IndexedDbCache({ dbName });
    await sneak({ n: 1 });
    expect(await tab.peek(KEY)).toEqual({ n: 1 });
    await sneak({ n: 2 });
    expect(await tab.peek(KEY)).toEqual({ n: 2 }); // no marker yet: every peek reads storage
    await tab.set('@@rotor@@::c::other', {}); // now there is one
    await tab.peek(KEY);
    storage.items.clear(); // the user cleared site data (localStorage only)
    await sneak({ n: 3 });
    expect(await tab.peek(KEY)).toEqual({ n: 3 });
  });

  it('removes the marker when it cannot write a new one, so no other tab keeps trusting its mirror', async () => {
    const a = new IndexedDbCache({ dbName });
    const b = new IndexedDbCache({ dbName });
    await a.set(KEY, { n: 1 });
    expect(await b.peek(KEY)).toEqual({ n: 1 });
    storage.failWrites = true;
    await a.set(KEY, { n: 2 });
    expect(storage.items.size).toBe(0);
    expect(await b.peek(KEY)).toEqual({ n: 2 });
    await a.set(KEY, { n: 3 }); // still failing: still no marker, still read from storage
    expect(await b.peek(KEY)).toEqual({ n: 3 });
    expect(await a.peek(KEY)).toEqual({ n: 3 });
  });

  it('forget() makes the next peek read storage (another tab announced a write before its marker showed)', async () => {
    const tab = new IndexedDbCache({ dbName });
    await tab.set(KEY, { n: 1 });
    await tab.peek(KEY);
    await sneak({ n: 2 });
    tab.forget();
    expect(await tab.peek(KEY)).toEqual({ n: 2 });
  });

  it('without localStorage, peek is get', async () => {
    vi.stubGlobal('localStorage', undefined);
    const tab = new IndexedDbCache({ dbName });
    await tab.set(KEY, { n: 1 });
    await tab.peek(KEY);
    await sneak({ n: 2 });
    expect(await tab.peek(KEY)).toEqual({ n: 2 });
  });

  it('drops a corrupt mirrored entry as get does (deleted from storage, not thrown)', async () => {
    const tab = new IndexedDbCache({ dbName });
    await tab.set('@@rotor@@::c::other', {});
    await rawSet(KEY, '{not json', createStore(dbName, 'tokens'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await tab.peek(KEY)).toBeUndefined();
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    expect(await tab.get(KEY)).toBeUndefined();
  });
});
