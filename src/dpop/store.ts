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

/** `getDpopNonce(id?)` / `setDpopNonce(nonce, id?)`: no id = the authorization server's nonce; an id names a resource server's. */
export interface DpopNonces {
  get(id?: string): Promise<string | undefined>;
  set(nonce: string, id?: string): Promise<void>;
}

export function dpopNonces(store: DpopStore, clientId: string): DpopNonces {
  const key = (id = '') => `nonce:${clientId}:${id}`;
  return {
    get: async (id) => {
      const v = await store.get(key(id));
      return typeof v === 'string' ? v : undefined;
    },
    set: async (nonce, id) => void (await store.set(key(id), nonce)),
  };
}
