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
  #queue: Queued[] | undefined;

  constructor(options: IndexedDbCacheOptions = {}) {
    this.dbName = options.dbName ?? 'rotor-auth';
    this.storeName = options.storeName ?? 'tokens';
  }

  /**
   * One operation on the object store (opened lazily, on the first one); a failure becomes StorageError
   * naming `op`. Operations issued in the same tick share transactions: consecutive ones of the same
   * mode run in one, so a refresh's reads cost one transaction and its commit another. Each starts
   * once the one before it has issued its requests (`issued()`), so a compare-and-set sees the writes
   * issued before it; one that throws aborts the transaction and every operation in it rejects.
   */
  #run<R>(mode: IDBTransactionMode, op: string, fn: Op<R>): Promise<R> {
    if (typeof indexedDB === 'undefined') throw new StorageError('IndexedDB is not available in this environment');
    const store = (this.#store ??= openStore(this.dbName, this.storeName));
    return new Promise<R>((resolve, reject) => {
      let queue = this.#queue;
      if (!queue) {
        const batch = (queue = this.#queue = []);
        queueMicrotask(() => {
          this.#queue = undefined;
          for (const run of runsByMode(batch)) {
            store(run[0]!.mode, (os) => runBatch(os, run)).catch((e: unknown) => run.forEach((q) => q.reject(e)));
          }
        });
      }
      queue.push({ mode, fn: fn as Op<unknown>, resolve: resolve as (v: unknown) => void, reject });
    }).catch((e: unknown) => {
      throw storageFailure(BACKEND, op, e);
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.#run('readonly', 'read', (os, _done, issued) => after(promisifyRequest(os.get(key)), issued));
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
    await this.#run('readwrite', 'write', (os, done, issued) => (os.put(raw, key), after(done, issued)));
  }

  async remove(key: string): Promise<void> {
    await this.#run('readwrite', 'remove', (os, done, issued) => (os.delete(key), after(done, issued)));
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
    const all = await this.#run('readonly', 'list', (os, _done, issued) => after(promisifyRequest(os.getAllKeys()), issued));
    return all.filter(isRotorKey);
  }

  /**
   * Read-modify-write of `key` in one readwrite transaction: `next(current)` gives the value to
   * put, `null` to delete, `undefined` to leave it. Resolves whether something was changed.
   */
  #update(key: string, op: string, next: (current: unknown) => unknown): Promise<boolean> {
    return this.#run('readwrite', op, (os, done, issued) => {
      let changed = false;
      let failure: unknown;
      const request = os.get(key);
      request.onsuccess = () => {
        const value = next(request.result);
        // A throw inside an IDB event handler would escape as an uncaught error: abort and reject instead.
        try {
          if (value === null) os.delete(key);
          else if (value !== undefined) os.put(value, key);
          changed = value !== undefined;
        } catch (e) {
          failure = e;
          os.transaction.abort();
          return;
        }
        issued();
      };
      return done.then(
        () => changed,
        (e: unknown) => {
          throw failure ?? e;
        },
      );
    });
  }
}

/** An operation of a batch: issue requests on `os`, call `issued()` once they are issued, settle with the result. */
type Op<R> = (os: IDBObjectStore, done: Promise<void>, issued: () => void) => Promise<R>;

interface Queued {
  mode: IDBTransactionMode;
  fn: Op<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** `p`, after calling `issued()` (the operation's requests are out). */
function after<T>(p: Promise<T>, issued: () => void): Promise<T> {
  issued();
  return p;
}

/** Consecutive operations of the same mode, in order. */
function runsByMode(queue: Queued[]): Queued[][] {
  const runs: Queued[][] = [];
  for (const q of queue) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.mode === q.mode) last.push(q);
    else runs.push([q]);
  }
  return runs;
}

/** Start the operations of one transaction one after another (each once the previous one's requests are out). */
function runBatch(os: IDBObjectStore, run: Queued[]): Promise<void> {
  const done = transactionDone(os.transaction);
  let next = 0;
  const start = (): void => {
    const q = run[next++];
    if (!q) return;
    let started = false;
    try {
      q.fn(os, done, () => {
        if (!started) (started = true), start();
      }).then(q.resolve, q.reject);
    } catch (e) {
      q.reject(e);
      os.transaction.abort();
    }
  };
  start();
  // An aborted transaction also rejects the operations it never got to.
  done.catch((e: unknown) => run.slice(next).forEach((q) => q.reject(e)));
  return done;
}

/** Resolves when the transaction commits, rejects when it aborts (listeners: several operations wait on it). */
function transactionDone(tx: IDBTransaction): Promise<void> {
  const p = new Promise<void>((resolve, reject) => {
    tx.addEventListener('complete', () => resolve());
    // A failed request aborts the transaction (its own promise reports it); abort also covers a failed commit.
    tx.addEventListener('abort', () => reject(tx.error ?? new DOMException('Transaction aborted', 'AbortError')));
  });
  p.catch(() => undefined);
  return p;
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
