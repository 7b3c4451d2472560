import type { Cache } from './cache.js';
import { encodeEntry, entryOf, isRotorKey, localStore, storageFailure, unavailable } from './codec.js';

const BACKEND = 'localStorage';

/**
 * `cacheLocation: 'localstorage'`: entries survive reloads and are shared by
 * every tab of the origin. Values are stored as versioned JSON; a corrupt or
 * foreign entry under a rotor-auth key is deleted and logged once, never
 * thrown. Keys of other libraries are never read, listed or deleted.
 *
 * Pass a Storage (e.g. sessionStorage) to use another one; by default the
 * global `localStorage` is looked up on each call.
 */
export class LocalStorageCache implements Cache {
  readonly #storage: Storage | undefined;

  constructor(storage?: Storage) {
    this.#storage = storage;
  }

  /** `f` on the storage; whatever throws (SecurityError where storage is disabled, QuotaExceededError…) is a StorageError naming `op`. */
  #do<T>(op: string, f: (storage: Storage) => T): T {
    try {
      const storage = this.#storage ?? localStore();
      if (!storage) throw unavailable(BACKEND);
      return f(storage);
    } catch (e) {
      throw storageFailure(BACKEND, op, e);
    }
  }

  get<T = unknown>(key: string): T | undefined {
    const raw = this.#do('read', (s) => s.getItem(key));
    if (raw === null) return undefined;
    return entryOf(BACKEND, key, raw, () => {
      try {
        this.remove(key); // in the same synchronous step as the read: what is deleted is what was read
      } catch {
        // Could not delete: still never hand a corrupt entry to the app.
      }
    }) as T | undefined;
  }

  set<T = unknown>(key: string, entry: T): void {
    // setItem is all-or-nothing: on QuotaExceededError etc. the old value stays.
    this.#do('write', (s) => s.setItem(key, encodeEntry(key, entry)));
  }

  remove(key: string): void {
    this.#do('remove', (s) => s.removeItem(key));
  }

  /** Only rotor-auth keys (`@@rotor@@…`); the app's own entries are not listed. */
  allKeys(): string[] {
    return this.#do('list', (s) => Array.from({ length: s.length }, (_, i) => s.key(i)).filter(isRotorKey));
  }
}
