import type { Cache } from './cache.js';
import { IndexedDbCache } from './indexeddb.js';
import { LocalStorageCache } from './local-storage.js';
import { InMemoryCache } from './memory.js';

/** The built-in caches by `cacheLocation` (options.ts lists their names in its error). */
export const BACKENDS: Record<string, new () => Cache> = { memory: InMemoryCache, localstorage: LocalStorageCache, indexeddb: IndexedDbCache };

/** The client's cache: the app's own `cache`, else a new built-in one of `cacheLocation`. */
export const backend = (options: { cache?: Cache; cacheLocation: string }): Cache => options.cache ?? new BACKENDS[options.cacheLocation]!();
