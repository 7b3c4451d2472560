import { promisifyRequest, type UseStore } from 'idb-keyval';
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

  /** One operation on the object store (opened lazily, on the first one); a failure becomes StorageError naming `op`. */
  #run<R>(mode: IDBTransactionMode, op: string, fn: (os: IDBObjectStore) => Promise<R>): Promise<R> {
    if (typeof indexedDB === 'undefined') throw new StorageError('IndexedDB is not available in this environment');
    this.#store ??= openStore(this.dbName, this.storeName);
    return this.#store(mode, fn).catch((e: unknown) => {
      throw storageFailure(BACKEND, op, e);
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.#run('readonly', 'read', (os) => promisifyRequest(os.get(key)));
    if (raw === undefined) return undefined;
    const decoded = decodeEntry(raw);
    if (decoded.ok) return decoded.value as T;
    if (isRotorKey(key)) {
      warnDropped(BACKEND, key, decoded.reason);
      // Delete only if it still holds `raw` (another tab may have written a good entry meanwhile).
      await this.#update(key, 'remove', (current) => (sameRaw(current, raw) ? null : undefined)).catch(() => undefined);
    }
    return undefined;
  }

  async set<T = unknown>(key: string, entry: T): Promise<void> {
    const raw = encodeEntry(key, entry);
    await this.#run('readwrite', 'write', (os) => (os.put(raw, key), promisifyRequest(os.transaction)));
  }

  async remove(key: string): Promise<void> {
    await this.#run('readwrite', 'remove', (os) => (os.delete(key), promisifyRequest(os.transaction)));
  }

  /** Compare-and-swap in one readwrite transaction. */
  async compareAndSet(key: string, expected: unknown, next: unknown): Promise<boolean> {
    const raw = encodeEntry(key, next);
    return this.#update(key, 'write', (current) => {
      const decoded = current === undefined ? undefined : decodeEntry(current);
      return sameJson(decoded?.ok ? decoded.value : undefined, expected) ? raw : undefined;
    });
  }

  /** Only rotor-auth keys (`@@rotor@@…`). */
  async allKeys(): Promise<string[]> {
    const all = await this.#run('readonly', 'list', (os) => promisifyRequest(os.getAllKeys()));
    return all.filter(isRotorKey);
  }

  /**
   * Read-modify-write of `key` in one readwrite transaction: `next(current)` gives the value to
   * put, `null` to delete, `undefined` to leave it. Resolves whether something was changed.
   */
  #update(key: string, op: string, next: (current: unknown) => unknown): Promise<boolean> {
    return this.#run('readwrite', op, (os) => {
      let changed = false;
      let failure: unknown;
      const request = os.get(key);
      request.onsuccess = () => {
        const value = next(request.result);
        if (value === undefined) return;
        // A throw inside an IDB event handler would escape as an uncaught error: abort and reject instead.
        try {
          if (value === null) os.delete(key);
          else os.put(value, key);
          changed = true;
        } catch (e) {
          failure = e;
          os.transaction.abort();
        }
      };
      return promisifyRequest(os.transaction).then(
        () => changed,
        (e: unknown) => {
          throw failure ?? e;
        },
      );
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
