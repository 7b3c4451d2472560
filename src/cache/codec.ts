import { StorageError } from '../errors.js';
import { CACHE_KEY_PREFIX } from './cache.js';

/**
 * The on-disk form shared by the persistent backends (localStorage,
 * IndexedDB): a JSON string `{"v":1,"data":<entry>}`. The version lets a later
 * release recognise entries written by this one; anything else found under a
 * rotor-auth key (bad JSON, another shape, another version) is "foreign" and
 * gets dropped by the backend.
 */
export const ENTRY_VERSION = 1;

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

export function isRotorKey(key: unknown): key is string {
  return typeof key === 'string' && key.startsWith(CACHE_KEY_PREFIX);
}

export function encodeEntry(key: string, entry: unknown): string {
  if (entry === undefined || entry === null) throw new StorageError(`Cannot store ${entry} under "${key}"; use remove()`);
  let json: string | undefined;
  try {
    json = JSON.stringify({ v: ENTRY_VERSION, data: entry });
  } catch (e) {
    throw new StorageError(`Value for "${key}" is not JSON-serialisable: ${(e as Error).message}`);
  }
  return json;
}

export function decodeEntry(raw: unknown): Decoded {
  if (typeof raw !== 'string') return { ok: false, reason: `not a string (${raw === null ? 'null' : typeof raw})` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !('v' in parsed) || !('data' in parsed)) {
    return { ok: false, reason: 'unexpected shape' };
  }
  const { v, data } = parsed as { v: unknown; data: unknown };
  if (v !== ENTRY_VERSION) return { ok: false, reason: `unknown version ${JSON.stringify(v)}` };
  if (data === undefined || data === null) return { ok: false, reason: 'empty entry' };
  return { ok: true, value: data };
}

const warned = new Set<string>();

/** console.warn once per (backend, key) that a corrupt or foreign entry was dropped. */
export function warnDropped(backend: string, key: string, reason: string): void {
  const id = `${backend}\u0000${key}`;
  if (warned.has(id)) return;
  warned.add(id);
  console.warn(`[rotor-auth] ${backend}: dropped unreadable cache entry "${key}" (${reason})`);
}

/** Turn anything a storage API throws into a StorageError (typed errors pass through). */
export function storageFailure(backend: string, op: string, e: unknown): StorageError {
  if (e instanceof StorageError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new StorageError(`${backend} ${op} failed: ${detail}`);
}
