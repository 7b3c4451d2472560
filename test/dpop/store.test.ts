import 'fake-indexeddb/auto';
import { createStore, set as rawSet } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDpopProof, generateDpopKey } from '../../src/dpop/key.js';
import { createClock } from '../../src/protocol/clock.js';
import { createDpop } from '../../src/dpop/client.js';
import type { DpopKey } from '../../src/dpop/key.js';
import { dpopNonces, idbDpopStore, memoryDpopStore, type DpopStore } from '../../src/dpop/store.js';
import { ConfigurationError, DpopKeyMissingError, StorageError } from '../../src/errors.js';
import { validateDpopProof } from '../../src/mock-server/dpop/validate.js';
import { serverContext, TOKEN_URL } from './helpers.js';

/** The key store as the client uses it (Dpop); `load` reads a missing key (DpopKeyMissingError) as undefined. */
const dpopOf = (store: DpopStore, clientId: string) => createDpop(store, clientId, createClock());
const saveDpopKey = (store: DpopStore, clientId: string, key: DpopKey) => dpopOf(store, clientId).save(key);
const deleteDpopKey = (store: DpopStore, clientId: string, jkt: string) => dpopOf(store, clientId).forget(jkt);
const loadDpopKey = (store: DpopStore, clientId: string, jkt: string) =>
  dpopOf(store, clientId)
    .key(jkt)
    .catch((e: unknown) => {
      expect(e).toBeInstanceOf(DpopKeyMissingError);
      return undefined;
    });

let db = 0;
const stores: Array<[string, () => DpopStore]> = [
  ['memory', () => memoryDpopStore()],
  ['IndexedDB', () => idbDpopStore(`dpop-test-${++db}`)],
];

afterEach(() => {
  vi.unstubAllGlobals();
});

describe.each(stores)('DPoP key store (%s)', (_name, make) => {
  it('keeps a non-extractable key that still signs proofs the server accepts', async () => {
    const store = make();
    const key = await generateDpopKey();
    await saveDpopKey(store, 'client-a', key);
    const loaded = await loadDpopKey(store, 'client-a', key.jkt);
    expect(loaded?.jkt).toBe(key.jkt);
    expect(loaded?.pair.privateKey.extractable).toBe(false);
    const ctx = serverContext();
    const proof = await createDpopProof(loaded!, { url: TOKEN_URL, method: 'POST', now: () => ctx.now });
    expect(await validateDpopProof({ proof, method: 'POST', url: TOKEN_URL }, ctx)).toEqual({ ok: true, jkt: key.jkt });
  });

  it('is keyed by client and thumbprint', async () => {
    const store = make();
    const a = await generateDpopKey();
    const b = await generateDpopKey();
    await saveDpopKey(store, 'client-a', a);
    await saveDpopKey(store, 'client-a', b);
    expect((await loadDpopKey(store, 'client-a', a.jkt))?.jkt).toBe(a.jkt);
    expect((await loadDpopKey(store, 'client-a', b.jkt))?.jkt).toBe(b.jkt);
    expect(await loadDpopKey(store, 'client-b', a.jkt)).toBeUndefined();
  });

  it('"key gone" is detectable: deleted with the family, or never there', async () => {
    const store = make();
    const key = await generateDpopKey();
    await saveDpopKey(store, 'c', key);
    await deleteDpopKey(store, 'c', key.jkt);
    expect(await loadDpopKey(store, 'c', key.jkt)).toBeUndefined();
    expect(await loadDpopKey(store, 'c', 'never-stored')).toBeUndefined();
  });

  it('a key stored under another thumbprint is not used', async () => {
    const store = make();
    const key = await generateDpopKey();
    await store.set('key:c:wrong-jkt', key.pair);
    expect(await loadDpopKey(store, 'c', 'wrong-jkt')).toBeUndefined();
  });

  it('a corrupt entry is treated as gone and deleted', async () => {
    const store = make();
    await store.set('key:c:jkt-x', { privateKey: 'not a key' });
    expect(await loadDpopKey(store, 'c', 'jkt-x')).toBeUndefined();
    expect(await store.get('key:c:jkt-x')).toBeUndefined();
  });

  it('keeps nonces per client and per id (no id = the authorization server)', async () => {
    const store = make();
    const nonces = dpopNonces(store, 'c');
    expect(await nonces.get()).toBeUndefined();
    await nonces.set('as-1');
    await nonces.set('api-1', 'api');
    expect(await nonces.get()).toBe('as-1');
    expect(await nonces.get('api')).toBe('api-1');
    await nonces.set('as-2');
    expect(await nonces.get()).toBe('as-2');
    expect(await dpopNonces(store, 'other').get()).toBeUndefined();
  });
});

describe('IndexedDB DPoP store specifics', () => {
  it('is shared by two instances (tabs) of the same database', async () => {
    const tab1 = idbDpopStore('dpop-shared');
    const tab2 = idbDpopStore('dpop-shared');
    const key = await generateDpopKey();
    await saveDpopKey(tab1, 'c', key);
    await dpopNonces(tab1, 'c').set('n-shared');
    expect((await loadDpopKey(tab2, 'c', key.jkt))?.jkt).toBe(key.jkt);
    expect(await dpopNonces(tab2, 'c').get()).toBe('n-shared');
  });

  it('a non-string nonce entry reads as none', async () => {
    await rawSet('nonces:c', 42, createStore('dpop-odd', 'dpop'));
    expect(await dpopNonces(idbDpopStore('dpop-odd'), 'c').get()).toBeUndefined();
  });

  it('is a ConfigurationError without IndexedDB', () => {
    vi.stubGlobal('indexedDB', undefined);
    expect(() => idbDpopStore()).toThrow(ConfigurationError);
  });

  it('turns a storage failure into a StorageError', async () => {
    const store = idbDpopStore('dpop-fail');
    // A function cannot be structured-cloned: the write fails inside IndexedDB.
    await expect(store.set('x', () => undefined)).rejects.toBeInstanceOf(StorageError);
  });
});
