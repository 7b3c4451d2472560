import { StorageError } from '../errors.js';
import type { Cache } from './cache.js';
import { decodeEntry, encodeEntry, isRotorKey, storageFailure, warnDropped } from './codec.js';

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

  #store(): Storage {
    if (this.#storage) return this.#storage;
    let storage: Storage | undefined;
    try {
      storage = (globalThis as { localStorage?: Storage }).localStorage;
    } catch (e) {
      // Accessing localStorage throws SecurityError when storage is disabled.
      throw storageFailure(BACKEND, 'access', e);
    }
    if (!storage) throw new StorageError('localStorage is not available in this environment');
    return storage;
  }

  get<T = unknown>(key: string): T | undefined {
    const storage = this.#store();
    let raw: string | null;
    try {
      raw = storage.getItem(key);
    } catch (e) {
      throw storageFailure(BACKEND, 'read', e);
    }
    if (raw === null) return undefined;
    const decoded = decodeEntry(raw);
    if (decoded.ok) return decoded.value as T;
    if (isRotorKey(key)) {
      warnDropped(BACKEND, key, decoded.reason);
      try {
        // Synchronous read-compare-delete: only drop what we actually read.
        if (storage.getItem(key) === raw) storage.removeItem(key);
      } catch {
        // Could not delete: still never hand a corrupt entry to the app.
      }
    }
    return undefined;
  }

  set<T = unknown>(key: string, entry: T): void {
    const raw = encodeEntry(key, entry);
    const storage = this.#store();
    try {
      storage.setItem(key, raw);
    } catch (e) {
      // QuotaExceededError etc.: setItem is all-or-nothing, the old value stays.
      throw storageFailure(BACKEND, 'write', e);
    }
  }

  remove(key: string): void {
    const storage = this.#store();
    try {
      storage.removeItem(key);
    } catch (e) {
      throw storageFailure(BACKEND, 'remove', e);
    }
  }

  /** Only rotor-auth keys (`@@rotor@@…`); the app's own entries are not listed. */
  allKeys(): string[] {
    const storage = this.#store();
    const keys: string[] = [];
    try {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (isRotorKey(key)) keys.push(key);
      }
    } catch (e) {
      throw storageFailure(BACKEND, 'list', e);
    }
    return keys;
  }
}
