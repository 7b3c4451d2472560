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
import { toDpopKey, type DpopKey } from './key.js';

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
  if (typeof indexedDB === 'undefined') throw new ConfigurationError('useDpop with a persistent cache needs IndexedDB');
  const store = openStore(dbName, 'dpop');
  const wrap =
    <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      f(...a).catch((e: unknown) => {
        throw storageFailure('DPoP IndexedDB', op, e);
      });
  return {
    get: wrap('read', (k: string) => store('readonly', (os) => promisifyRequest(os.get(k)))),
    set: wrap('write', (k: string, v: unknown) => store('readwrite', (os) => (os.put(v, k), promisifyRequest(os.transaction)))),
    delete: wrap('remove', (k: string) => store('readwrite', (os) => (os.delete(k), promisifyRequest(os.transaction)))),
  };
}

const keyId = (clientId: string, jkt: string) => `key:${clientId}:${jkt}`;
const nonceId = (clientId: string, id = '') => `nonce:${clientId}:${id}`;

export const saveDpopKey = async (store: DpopStore, clientId: string, key: DpopKey): Promise<void> => {
  await store.set(keyId(clientId, key.jkt), key.pair);
};

export const deleteDpopKey = async (store: DpopStore, clientId: string, jkt: string): Promise<void> => {
  await store.delete(keyId(clientId, jkt));
};

/**
 * The key a family is bound to, or undefined when it is gone (storage
 * cleared, other browser profile) or is not the key with thumbprint `jkt`:
 * the caller then purges the family locally instead of sending a proof that
 * must fail. A stored value that is not a key pair is deleted.
 */
export async function loadDpopKey(store: DpopStore, clientId: string, jkt: string): Promise<DpopKey | undefined> {
  const id = keyId(clientId, jkt);
  const pair = (await store.get(id)) as Partial<CryptoKeyPair> | undefined;
  if (!(pair?.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey)) {
    if (pair !== undefined) await store.delete(id);
    return undefined;
  }
  const key = await toDpopKey(pair as CryptoKeyPair);
  return key.jkt === jkt ? key : undefined;
}

/** `getDpopNonce(id?)` / `setDpopNonce(nonce, id?)`: no id = the authorization server's nonce; an id names a resource server's. */
export interface DpopNonces {
  get(id?: string): Promise<string | undefined>;
  set(nonce: string, id?: string): Promise<void>;
}

export function dpopNonces(store: DpopStore, clientId: string): DpopNonces {
  return {
    get: async (id) => {
      const v = await store.get(nonceId(clientId, id));
      return typeof v === 'string' ? v : undefined;
    },
    set: async (nonce, id) => {
      await store.set(nonceId(clientId, id), nonce);
    },
  };
}
