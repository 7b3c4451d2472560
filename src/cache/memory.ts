import type { Cache } from './cache.js';
import { parseJson } from '../shape.js';

/**
 * The default cache: a per-tab Map. Values are copied in and out (JSON), so
 * callers never share mutable objects with the store. A reload loses it, by design.
 */
export class InMemoryCache implements Cache {
  readonly #entries = new Map<string, string>();

  get<T = unknown>(key: string): T | undefined {
    const raw = this.#entries.get(key);
    return raw === undefined ? undefined : (parseJson(raw) as T);
  }

  set<T = unknown>(key: string, entry: T): void {
    this.#entries.set(key, JSON.stringify(entry));
  }

  remove(key: string): void {
    this.#entries.delete(key);
  }

  allKeys(): string[] {
    return [...this.#entries.keys()];
  }
}
