/**
 * The storage interface behind every cache backend. Compatible in shape with
 * auth0-spa-js's ICache, so an existing custom cache plugs in unchanged.
 * Values are plain JSON-serialisable objects.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface Cache {
  get<T = unknown>(key: string): MaybePromise<T | undefined>;
  set<T = unknown>(key: string, entry: T): MaybePromise<void>;
  remove(key: string): MaybePromise<void>;
  /** Every key this backend holds (any prefix). Optional: without it the token store keeps its own key manifest. */
  allKeys?(): MaybePromise<string[]>;
  /**
   * Optional atomic compare-and-swap: store `next` under `key` only if the
   * current value equals `expected` (same JSON; `undefined` = absent), in one
   * step no other writer can interleave with. Returns whether it stored.
   * Without it, rotor-auth reads, compares and writes under its family lock.
   */
  compareAndSet?(key: string, expected: unknown, next: unknown): MaybePromise<boolean>;
}

/** Same JSON form: what compareAndSet compares (`undefined` = absent: JSON.stringify gives no string for it). */
export function sameJson(a: unknown, b: unknown): boolean {
  try {
    return a === b || JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/** For promises whose failure is handled elsewhere (or deliberately ignored). */
export const noop = (): undefined => undefined;

/** Keep `p` under `key` in `map` while it is pending (a newer promise under the same key is left alone). */
export function track<K, T>(map: Map<K, Promise<unknown>>, key: K, p: Promise<T>): Promise<T> {
  map.set(key, p);
  const done = () => map.get(key) === p && map.delete(key);
  p.then(done, done);
  return p;
}

/** Prefix of every key rotor-auth writes. */
export const CACHE_KEY_PREFIX = '@@rotor@@';
