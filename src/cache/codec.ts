import { StorageError } from '../errors.js';
import { errorText } from '../shape.js';
import { CACHE_KEY_PREFIX } from './cache.js';
import { obj, parseJson } from '../shape.js';

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

/** Why a value that is corrupt, or of another shape, is dropped. */
export const NOT_AN_ENTRY = 'not an entry';

export function decodeEntry(raw: unknown): Decoded {
  let parsed: unknown;
  try {
    parsed = parseJson(typeof raw === 'string' ? raw : ''); // a stored non-string is no entry (nor its toString())
  } catch {
    // not JSON: no entry (below)
  }
  const { v, data } = obj(parsed) ? parsed : ({} as Record<string, unknown>);
  // Two reasons only: an entry of another release says which (a downgrade drops the newer entries); the rest is corrupt.
  if (v !== ENTRY_VERSION && v !== undefined) return { reason: `unknown version ${JSON.stringify(v)}` };
  return v === undefined || data == null ? { reason: NOT_AN_ENTRY } : { value: data };
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

/** The origin's localStorage; undefined where there is none, or where it is blocked (reading it throws a SecurityError). */
export function localStore(): Storage | undefined {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    return undefined;
  }
}
