import { promisifyRequest, type UseStore } from 'idb-keyval';
import { CACHE_KEY_PREFIX, noop, sameJson, type Cache } from './cache.js';
import { decodeEntry, encodeEntry, entryOf, isRotorKey, localStore, storageFailure, unavailable } from './codec.js';
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
 *
 * `peek` answers from a per-tab mirror of earlier reads, at memory speed, while
 * the generation marker reads as it did when they were read: a localStorage
 * item that every write of an IndexedDbCache (in any tab, on this database and
 * store) replaces with a new random value once its transaction commits, before
 * its caller goes on. `get` always reads the database.
 */
export class IndexedDbCache implements Cache {
  readonly dbName: string;
  readonly storeName: string;
  #store: UseStore | undefined;
  #queue: Op[] | undefined;
  /** Stored values as this tab last read them, valid for `#generation`. */
  readonly #mirror = new Map<string, unknown>();
  /** The marker's value when the mirror was started; undefined: nothing in it is trusted. */
  #generation: string | undefined;
  readonly #markerKey: string;

  constructor(options: IndexedDbCacheOptions = {}) {
    this.dbName = options.dbName ?? 'rotor-auth';
    this.storeName = options.storeName ?? 'tokens';
    this.#markerKey = `${CACHE_KEY_PREFIX}generation::${this.dbName}::${this.storeName}`;
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
          store(batch.some((o) => o.change !== undefined) ? 'readwrite' : 'readonly', (os) => runBatch(os, batch)).then(
            () => {
              if (batch.some((o) => o.changed)) this.#committed(); // before any caller goes on (and, say, releases a lock)
              batch.forEach((o) => o.resolve(o.changed)); // a read resolved at its request's success already: a no-op
            },
            (e: unknown) => batch.forEach((o) => o.reject(e)),
          );
        });
      }
      this.#queue.push({ key, change, resolve, reject });
    }).catch((e: unknown) => {
      throw storageFailure(BACKEND, op, e);
    });
  }

  /** A write committed (in this tab): a new marker tells every tab that its mirror is out of date. */
  #committed(): void {
    this.forget();
    const storage = localStore();
    try {
      storage?.removeItem(this.#markerKey); // stays removed when the new one finds no quota: no tab trusts a missing marker
      storage?.setItem(this.#markerKey, (this.#generation = String(Math.random())));
    } catch {
      this.#generation = undefined; // no localStorage, or a full one: peek() reads storage
    }
  }

  /**
   * `get`, answered from this tab's mirror while the marker reads as when the value was read: a
   * write that another tab committed may show a moment late (as localStorage does across tabs),
   * never a value older than one this tab has read. For the cache-hit path; every decision taken
   * under a lock reads with `get`. Without localStorage, or without a marker yet, it is `get`.
   */
  async peek<T = unknown>(key: string): Promise<T | undefined> {
    const generation = localStore()?.getItem(this.#markerKey) ?? undefined;
    if (!generation || generation !== this.#generation) {
      this.forget();
      this.#generation = generation;
    } else if (this.#mirror.has(key)) return this.#decode(key, this.#mirror.get(key)) as T | undefined;
    return this.get(key);
  }

  /** Stop trusting the mirror (another tab announced a write: it may be here before the marker is). */
  forget(): void {
    this.#mirror.clear();
    this.#generation = undefined;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const generation = this.#generation;
    const raw = await this.#run(key, 'read');
    // Kept only if no write committed meanwhile (in this tab; another tab's shows as a new marker at the next peek).
    if (generation !== undefined && generation === this.#generation) this.#mirror.set(key, raw);
    return this.#decode(key, raw) as T | undefined;
  }

  #decode(key: string, raw: unknown): unknown {
    if (raw === undefined) return undefined;
    // A dropped entry is deleted only if it still holds `raw` (another tab may have written a good entry meanwhile).
    return entryOf(BACKEND, key, raw, () => this.#run(key, 'remove', (current) => (sameJson(current, raw) ? null : undefined)).then(noop, noop));
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
 * its read, so the next one sees its write. Resolves once the transaction has committed. A throw (e.g. from put) aborts the
 * transaction instead of escaping from the IDB event handler as an uncaught error.
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
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(failure ?? tx.error);
  });
}
