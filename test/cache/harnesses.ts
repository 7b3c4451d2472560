/**
 * The harnesses for the real storage backends, shared by the Node runs
 * (happy-dom localStorage, fake-indexeddb) and the Chromium runs of the
 * contract suite: the same backend, the same raw access, two environments.
 */
import { createStore, del, get, set } from 'idb-keyval';
import { IndexedDbCache } from '../../src/cache/indexeddb.js';
import { LocalStorageCache } from '../../src/cache/local-storage.js';
import type { CacheHarness } from './contract.js';

export function localStorageHarness(): CacheHarness {
  return {
    create: () => new LocalStorageCache(),
    reset: () => localStorage.clear(),
    shared: true,
    raw: {
      write: (key, raw) => localStorage.setItem(key, String(raw)),
      read: (key) => localStorage.getItem(key) ?? undefined,
    },
  };
}

/** Raw access goes through idb-keyval on the same database and store the backend uses. */
export function indexedDbHarness(): CacheHarness {
  const raw = createStore('rotor-auth', 'tokens');
  return {
    create: () => new IndexedDbCache(),
    reset: async () => {
      for (const k of await new IndexedDbCache().allKeys()) await del(k, raw);
    },
    shared: true,
    raw: {
      write: (key, value) => set(key, value, raw),
      read: (key) => get(key, raw),
    },
  };
}
