import { errorText, StorageError } from '../errors.js';
import { CACHE_KEY_PREFIX } from './cache.js';
import { obj } from './entries.js';

/**
 * The on-disk form shared by the persistent backends (localStorage,
 * IndexedDB): a JSON string `{"v":1,"data":<entry>}`. The version lets a later
 * release recognise entries written by this one; anything else found under a
 * rotor-auth key (bad JSON, another shape, another version) is "foreign" and
 * gets dropped by the backend.
 */
export const ENTRY_VERSION = 1;

/** The entry a stored value holds (`value`), or why it holds none (`reason`: corrupt or foreign). */
export type Decoded = { value: unknown; reason?: undefined } | { value?: undefined; reason: string };

export function isRotorKey(key: unknown): key is string {
  return typeof key === 'string' && key.startsWith(CACHE_KEY_PREFIX);
}

export function encodeEntry(key: string, entry: unknown): string {
  if (entry == null) throw new StorageError(`Value for "${key}" is ${entry}: use remove()`);
  try {
    return JSON.stringify({ v: ENTRY_VERSION, data: entry });
  } catch (e) {
    throw new StorageError(`Value for "${key}" is not JSON-serialisable: ${errorText(e)}`);
  }
}

export function decodeEntry(raw: unknown): Decoded {
  if (typeof raw !== 'string') return { reason: `not a string (${typeof raw})` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { reason: 'invalid JSON' };
  }
  if (!obj(parsed) || !('v' in parsed)) return { reason: 'unexpected shape' }; // no `data`: an empty entry (below)
  const { v, data } = parsed;
  if (v !== ENTRY_VERSION) return { reason: `unknown version ${JSON.stringify(v)}` };
  return data == null ? { reason: 'empty entry' } : { value: data };
}

/** `backend key` ids warned about (every id has a space: no Object.prototype name). */
const warned: Record<string, 1> = {};

/** console.warn once per (backend, key) that a corrupt or foreign entry was dropped. */
export function warnDropped(backend: string, key: string, reason: string): void {
  const id = `${backend} ${key}`;
  if (warned[id]) return;
  warned[id] = 1;
  console.warn(`rotor-auth ${backend}: dropped "${key}" (${reason})`);
}

/**
 * The entry a backend read (`raw`), or undefined: a corrupt or foreign value under a rotor-auth key is
 * logged once and handed to `drop` (which deletes it if it is still there; what it returns is returned).
 */
export function entryOf(backend: string, key: string, raw: unknown, drop: () => unknown): unknown {
  const { value, reason } = decodeEntry(raw);
  if (reason === undefined || !isRotorKey(key)) return value;
  warnDropped(backend, key, reason);
  return drop();
}

/** Turn anything a storage API throws into a StorageError (typed errors pass through). */
export function storageFailure(backend: string, op: string, e: unknown): StorageError {
  // An Error reads `Name: message`.
  return e instanceof StorageError ? e : new StorageError(`${backend} ${op} failed: ${String(e)}`);
}

/** The backend does not exist here (no localStorage / IndexedDB). */
export const unavailable = (backend: string): StorageError => new StorageError(`${backend} is not available`);
