/**
 * Where DPoP keys and server nonces live: IndexedDB when the token cache is
 * persistent (CryptoKey objects are structured-cloneable, so a
 * non-extractable key survives reloads and is shared by tabs without ever
 * being exported), a Map for the memory cache. Keys are stored under the
 * client id and the key's thumbprint, the `jkt` the family record holds.
 */
import { promisifyRequest } from 'idb-keyval';
import { storageFailure } from '../cache/codec.js';
import { openStore } from '../cache/idb-store.js';
import { ConfigurationError } from '../errors.js';

/** A tiny key/value store of structured-cloneable values; results may be promises (always awaited). A Map is one. */
export interface DpopStore {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): unknown;
}

/** For the memory cache: lives as long as the client instance. */
export const memoryDpopStore = (): DpopStore => new Map<string, unknown>();

/** IndexedDB store (database `rotor-auth-dpop` by default, object store `dpop`); storage failures become StorageError. */
export function idbDpopStore(dbName = 'rotor-auth-dpop'): DpopStore {
  if (typeof indexedDB === 'undefined') throw new ConfigurationError('useDpop needs IndexedDB (persistent cache)');
  const store = openStore(dbName, 'dpop');
  const run = <R>(mode: IDBTransactionMode, op: string, fn: (os: IDBObjectStore) => Promise<R>): Promise<R> =>
    store(mode, fn).catch((e: unknown) => {
      throw storageFailure('DPoP IndexedDB', op, e);
    });
  return {
    get: (k) => run('readonly', 'read', (os) => promisifyRequest(os.get(k))),
    set: (k, v) => run('readwrite', 'write', (os) => (os.put(v, k), promisifyRequest(os.transaction))),
    delete: (k) => run('readwrite', 'remove', (os) => (os.delete(k), promisifyRequest(os.transaction))),
  };
}

/**
 * `getDpopNonce(id?)` / `setDpopNonce(nonce, id?)`: no id = the authorization server's (token endpoint's) nonce; an
 * id names a resource server's (the fetcher's default: the request's origin), so no server's nonce reaches another's
 * proofs. One record per client, so `clear()` (sign-out) forgets them all; `drop(id)`: a request that carried the
 * nonce got no answer. A nonce that is not RFC 9449 §8 NQCHAR, or is over 512 chars, is ignored.
 */
export interface DpopNonces {
  get(id?: string): Promise<string | undefined>;
  set(nonce: string, id?: string): Promise<void>;
  drop(id?: string): Promise<void>;
  clear(): Promise<void>;
}

/** RFC 9449 §8 NQCHAR (%x21 / %x23-5B / %x5D-7E), 1 to 512 of them. */
export const isNonce = (n: unknown): n is string => typeof n === 'string' && /^[!#-[\]-~]{1,512}$/.test(n);

export function dpopNonces(store: DpopStore, clientId: string): DpopNonces {
  const key = `nonces:${clientId}`;
  const all = async (): Promise<Map<string, unknown>> => {
    const v = await store.get(key);
    return new Map(v instanceof Map ? (v as Map<string, unknown>) : undefined); // a copy: never mutate what the store holds
  };
  return {
    get: async (id = '') => {
      const v = (await all()).get(id);
      return isNonce(v) ? v : undefined;
    },
    set: async (nonce, id = '') => {
      if (isNonce(nonce)) await store.set(key, (await all()).set(id, nonce));
    },
    drop: async (id = '') => {
      const map = await all();
      if (map.delete(id)) await store.set(key, map);
    },
    clear: async () => void (await store.delete(key)),
  };
}
