/** The shared storages the cross-tab tests run over, with raw access for corrupting entries. */
import 'fake-indexeddb/auto';
import { Window } from 'happy-dom';
import { createStore, del, keys, set } from 'idb-keyval';
import { vi } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import type { AuthClientOptions } from '../../src/client/options.js';

export interface SharedBackend {
  name: string;
  /** Options that make a client use this storage. */
  options(): Partial<AuthClientOptions>;
  /** Start from empty storage. */
  reset(): Promise<void>;
  /** Write a raw value under a key, as a bug, an old version or another library would. */
  writeRaw(key: string, raw: string): Promise<void>;
  /** Every key in the storage. */
  keys(): Promise<string[]>;
  /** Whether `key` holds anything at all. */
  has(key: string): Promise<boolean>;
}

const idbRaw = createStore('rotor-auth', 'tokens');

/** What a user passes as `cache:` (e.g. a wrapper over a shared KV): async, JSON-backed, shared by every client given it. */
class SharedAsyncCache implements Cache {
  constructor(readonly backing: Map<string, string>) {}
  async get<T>(key: string): Promise<T | undefined> {
    await new Promise((r) => setTimeout(r, 0));
    const raw = this.backing.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T); // throws on corrupt data, as a naive user cache would
  }
  async set<T>(key: string, entry: T): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    this.backing.set(key, JSON.stringify(entry));
  }
  async remove(key: string): Promise<void> {
    this.backing.delete(key);
  }
  async allKeys(): Promise<string[]> {
    return [...this.backing.keys()];
  }
}

export function sharedBackends(): SharedBackend[] {
  const window = new Window({ url: 'https://app.rotor.test/' });
  const backing = new Map<string, string>();
  return [
    {
      name: "cacheLocation: 'localstorage'",
      options: () => {
        vi.stubGlobal('localStorage', window.localStorage);
        return { cacheLocation: 'localstorage' };
      },
      reset: async () => window.localStorage.clear(),
      writeRaw: async (key, raw) => window.localStorage.setItem(key, raw),
      keys: async () => Object.keys(window.localStorage),
      has: async (key) => window.localStorage.getItem(key) !== null,
    },
    {
      name: "cacheLocation: 'indexeddb'",
      options: () => ({ cacheLocation: 'indexeddb' }),
      reset: async () => {
        for (const k of await keys(idbRaw)) await del(k, idbRaw);
      },
      writeRaw: (key, raw) => set(key, raw, idbRaw),
      keys: async () => (await keys(idbRaw)).map(String),
      has: async (key) => (await keys(idbRaw)).includes(key),
    },
    {
      name: 'cache: a shared custom async Cache',
      options: () => ({ cache: new SharedAsyncCache(backing) }),
      reset: async () => backing.clear(),
      writeRaw: async (key, raw) => void backing.set(key, raw),
      keys: async () => [...backing.keys()],
      has: async (key) => backing.has(key),
    },
  ];
}
