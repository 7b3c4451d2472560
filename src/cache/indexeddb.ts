import { promisifyRequest, type UseStore } from 'idb-keyval';
import { noop, sameJson, type Cache } from './cache.js';
import { decodeEntry, encodeEntry, entryOf, isRotorKey, storageFailure, unavailable } from './codec.js';
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
  #queue: Op[] | undefined;

  constructor(options: IndexedDbCacheOptions = {}) {
    this.dbName = options.dbName ?? 'rotor-auth';
    this.storeName = options.storeName ?? 'tokens';
  }

  #open(): UseStore {
    if (typeof indexedDB === 'undefined') throw unavailable(BACKEND);
    return (this.#store ??= openStore(this.dbName, this.storeName));
  }

  /**
   * One operation on `key`: without `change`, resolves the stored value; else it writes (see Op) and
   * resolves (once committed) whether something changed; a `change` function gives the value to put
   * for the current one, `null` to delete, `undefined` to leave it. Operations issued in the same tick share one transaction (so a refresh's
   * reads cost one and its commit another), each seeing the writes of those issued before it; one that
   * fails aborts the transaction and every operation in it rejects. Failures are StorageError naming `op`.
   */
  #run(key: string, op: string, change?: Change): Promise<unknown> {
    const store = this.#open();
    return new Promise((resolve, reject) => {
      if (!this.#queue) {
        const batch: Op[] = (this.#queue = []);
        queueMicrotask(() => {
          this.#queue = undefined;
          store(batch.some((o) => o.change !== undefined) ? 'readwrite' : 'readonly', (os) => runBatch(os, batch)).catch((e: unknown) =>
            batch.forEach((o) => o.reject(e)),
          );
        });
      }
      this.#queue.push({ key, change, resolve, reject });
    }).catch((e: unknown) => {
      throw storageFailure(BACKEND, op, e);
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.#run(key, 'read');
    if (raw === undefined) return undefined;
    // A dropped entry is deleted only if it still holds `raw` (another tab may have written a good entry meanwhile).
    return entryOf(BACKEND, key, raw, () => this.#run(key, 'remove', (current) => (sameJson(current, raw) ? null : undefined)).then(noop, noop)) as T | undefined;
  }

  async set<T = unknown>(key: string, entry: T): Promise<void> {
    await this.#run(key, 'write', encodeEntry(key, entry));
  }

  async remove(key: string): Promise<void> {
    await this.#run(key, 'remove', null);
  }

  /** Compare-and-swap in one readwrite transaction. */
  async compareAndSet(key: string, expected: unknown, next: unknown): Promise<boolean> {
    const raw = encodeEntry(key, next);
    return (await this.#run(key, 'write', (current) => (sameJson(decodeEntry(current).value, expected) ? raw : undefined))) as boolean; // `changed`
  }

  /** Only rotor-auth keys (`@@rotor@@…`). */
  async allKeys(): Promise<string[]> {
    const all = await this.#open()('readonly', (os) => promisifyRequest(os.getAllKeys())).catch((e: unknown) => {
      throw storageFailure(BACKEND, 'list', e);
    });
    return all.filter(isRotorKey);
  }
}

type Change = ((current: unknown) => unknown) | string | null;

interface Op {
  key: string;
  /** undefined: read; a string: put it; null: delete; a function: put what it returns for the current value. */
  change: Change | undefined;
  changed?: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Write an operation's change (a value, or a function of the stored value): null deletes, undefined writes nothing. */
function applyChange(os: IDBObjectStore, op: Op, current?: unknown): void {
  const value = typeof op.change === 'function' ? op.change(current) : op.change;
  if (value === null) os.delete(op.key);
  else if (value !== undefined) os.put(value, op.key);
  op.changed = value !== undefined;
}

/**
 * Run a batch in one transaction: reads are issued at once; an operation that may write waits for
 * its read, so the next one sees its write. A throw (e.g. from put) aborts the transaction instead
 * of escaping from the IDB event handler as an uncaught error.
 */
function runBatch(os: IDBObjectStore, batch: Op[]): Promise<void> {
  const tx = os.transaction;
  let next = 0;
  let failure: unknown;
  /** applyChange; a throw aborts the transaction (false) instead of escaping from the IDB event handler. */
  const apply = (op: Op, current?: unknown): boolean => {
    try {
      applyChange(os, op, current);
      return true;
    } catch (e) {
      failure = e;
      tx.abort();
      return false;
    }
  };
  const step = (): void => {
    for (let o: Op | undefined; (o = batch[next++]); ) {
      const op = o;
      // A write that does not depend on what is stored (set, remove) is issued at once.
      if (op.change !== undefined && typeof op.change !== 'function') {
        if (apply(op)) continue;
        return;
      }
      const request = os.get(op.key);
      if (op.change === undefined) {
        request.onsuccess = () => op.resolve(request.result);
        continue;
      }
      request.onsuccess = () => apply(op, request.result) && step();
      return;
    }
  };
  step();
  return new Promise<void>((resolve, reject) => {
    // a read resolved at its request's success, before this (resolving it again is a no-op)
    tx.oncomplete = () => resolve(batch.forEach((o) => o.resolve(o.changed)));
    tx.onabort = () => reject(failure ?? tx.error);
  });
}
