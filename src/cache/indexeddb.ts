import { del, get, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { StorageError } from '../errors.js';
import { sameJson, type Cache } from './cache.js';
import { decodeEntry, encodeEntry, isRotorKey, storageFailure, warnDropped } from './codec.js';
import { openStore } from './idb-store.js';

const BACKEND = 'IndexedDB';

export interface IndexedDbCacheOptions {
  /** Database name (default `rotor-auth`). */
  dbName?: string;
  /** Object store name (default `tokens`). */
  storeName?: string;
}

/**
 * `cacheLocation: 'indexeddb'`: entries survive reloads and are shared by
 * every tab of the origin, in rotor-auth's own database and object store (on
 * idb-keyval), so nothing else in the app's IndexedDB is touched. Values use
 * the same versioned JSON form as LocalStorageCache; a corrupt or foreign
 * entry is deleted (only if it is still the one that was read) and logged
 * once, never thrown.
 */
export class IndexedDbCache implements Cache {
  readonly dbName: string;
  readonly storeName: string;
  #store: UseStore | undefined;

  constructor(options: IndexedDbCacheOptions = {}) {
    this.dbName = options.dbName ?? 'rotor-auth';
    this.storeName = options.storeName ?? 'tokens';
  }

  #use(): UseStore {
    if (typeof indexedDB === 'undefined') throw new StorageError('IndexedDB is not available in this environment');
    // The database is opened lazily, on the first operation.
    this.#store ??= openStore(this.dbName, this.storeName);
    return this.#store;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const store = this.#use();
    let raw: unknown;
    try {
      raw = await get(key, store);
    } catch (e) {
      throw storageFailure(BACKEND, 'read', e);
    }
    if (raw === undefined) return undefined;
    const decoded = decodeEntry(raw);
    if (decoded.ok) return decoded.value as T;
    if (isRotorKey(key)) {
      warnDropped(BACKEND, key, decoded.reason);
      await this.#deleteIfUnchanged(store, key, raw).catch(() => undefined);
    }
    return undefined;
  }

  async set<T = unknown>(key: string, entry: T): Promise<void> {
    const raw = encodeEntry(key, entry);
    const store = this.#use();
    try {
      await set(key, raw, store);
    } catch (e) {
      throw storageFailure(BACKEND, 'write', e);
    }
  }

  async remove(key: string): Promise<void> {
    const store = this.#use();
    try {
      await del(key, store);
    } catch (e) {
      throw storageFailure(BACKEND, 'remove', e);
    }
  }

  /** Compare-and-swap in one readwrite transaction. */
  async compareAndSet(key: string, expected: unknown, next: unknown): Promise<boolean> {
    const raw = encodeEntry(key, next);
    const store = this.#use();
    try {
      return await store('readwrite', (os) => {
        let stored = false;
        let failure: unknown;
        const request = os.get(key);
        request.onsuccess = () => {
          const decoded = request.result === undefined ? undefined : decodeEntry(request.result);
          const current = decoded?.ok ? decoded.value : undefined;
          if (!sameJson(current, expected)) return;
          // A throw inside an IDB event handler would escape as an uncaught error: abort and reject instead.
          try {
            os.put(raw, key);
            stored = true;
          } catch (e) {
            failure = e;
            os.transaction.abort();
          }
        };
        return promisifyRequest(os.transaction).then(
          () => stored,
          (e: unknown) => {
            throw failure ?? e;
          },
        );
      });
    } catch (e) {
      throw storageFailure(BACKEND, 'write', e);
    }
  }

  /** Only rotor-auth keys (`@@rotor@@…`). */
  async allKeys(): Promise<string[]> {
    const store = this.#use();
    try {
      return (await keys(store)).filter(isRotorKey);
    } catch (e) {
      throw storageFailure(BACKEND, 'list', e);
    }
  }

  /** Delete `key` in one readwrite transaction, only if it still holds `raw` (another tab may have written a good entry meanwhile). */
  #deleteIfUnchanged(store: UseStore, key: string, raw: unknown): Promise<void> {
    return store('readwrite', (os) => {
      const request = os.get(key);
      request.onsuccess = () => {
        if (sameRaw(request.result, raw)) os.delete(key);
      };
      return promisifyRequest(os.transaction).then(() => undefined);
    });
  }
}

function sameRaw(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Structured clones of non-strings are never ===; compare their JSON form.
  try {
    return typeof a === typeof b && JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
