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
}

/** Prefix of every key rotor-auth writes. */
export const CACHE_KEY_PREFIX = '@@rotor@@';
