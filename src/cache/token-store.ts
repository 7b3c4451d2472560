import type { StoredJwks } from '../protocol/id-token.js';
import { runExclusive } from '../lock.js';
import { CACHE_KEY_PREFIX, noop, sameJson, track, type Cache } from './cache.js';
import { isRotorKey, NOT_AN_ENTRY, storageFailure, warnDropped } from './codec.js';
import { IndexedDbCache } from './indexeddb.js';
import { LocalStorageCache } from './local-storage.js';
import { InMemoryCache } from './memory.js';
import { isAccess, isFamily, isJwks, isSession, scopeKey, type AccessEntry, type FamilyRecord, type SessionEntry } from './entries.js';

export {
  accessEntryFor, DEFAULT_AUDIENCE, isFresh, obtainedAfter, scopeKey,
  type AccessEntry, type FamilyRecord, type SessionEntry,
} from './entries.js';

/**
 * Typed views over a Cache backend. Layout (all keys `@@rotor@@::{clientId}::`):
 *   rt::{family}            one refresh token per family (a local id made at login)
 *   at::{audience}::{scope} access token per (audience, scope), naming its family
 *   id                      the signed-in user's ID token and claims, naming the family
 *   jwks                    the issuer's JWKS and when to fetch it again
 *   keys                    key manifest, only for backends without allKeys()
 * Entries that decode but do not have their type's shape (foreign, older
 * versions) are deleted and reported once, never thrown. A backend that
 * throws on a read is a StorageError: nothing is deleted (the refresh token
 * may well still be there).
 */
export type TokenStore = ReturnType<typeof tokenStore>;

/** A record's sequence number (0 for records written before `seq` existed). */
export const seqOf = (record: FamilyRecord): number => record.seq ?? 0;

export function tokenStore(cache: Cache, clientId: string) {
  const prefix = `${CACHE_KEY_PREFIX}::${clientId}::`;
  const sessionKey = `${prefix}id`;
  const manifestKey = `${prefix}keys`;
  const jwksKey = `${prefix}jwks`;
  let manifestChain: Promise<unknown> = Promise.resolve();
  /** Writes in flight: a read of the same key in this tab waits for them (read your writes). */
  const writing = new Map<string, Promise<unknown>>();
  /** Access-entry keys by `audience scope` as asked (the cache-hit path computes no scope key; no Object.prototype name has a space). */
  const accessKeys: Record<string, string> = {};
  /** Every tab reads what any tab wrote as soon as the write completes (IndexedDB; not localStorage across tabs). */
  const consistent = cache instanceof IndexedDbCache;

  const familyKey = (family: string): string => `${prefix}rt::${family}`;
  const accessKey = (audience: string, scope: string): string => (accessKeys[`${audience} ${scope}`] ??= `${prefix}at::${audience}::${scopeKey(scope)}`);

  /**
   * A backend read, after this tab's writes of the key; a backend that throws is a StorageError
   * (transient: nothing is dropped), except a custom cache's JSON SyntaxError with `parseError`: that
   * value is returned instead (the entry does not decode; never an I/O failure).
   */
  const raw = async (key: string, parseError?: unknown, peek?: boolean): Promise<unknown> => {
    const pending = writing.get(key); // the cache-hit path: no extra await when no write is under way
    if (pending) await pending.catch(noop);
    try {
      return await (peek && consistent ? cache.peek(key) : cache.get(key));
    } catch (e) {
      if (parseError && e instanceof SyntaxError) return parseError;
      throw storageFailure('cache', 'read', e);
    }
  };

  /** An entry of the shape `check` wants; one that decodes to another shape is dropped (and logged once). */
  const read = async <T>(key: string, check: (v: unknown) => v is T, peek?: boolean): Promise<T | undefined> => {
    const value = await raw(key, NOT_AN_ENTRY, peek);
    if (value == null || check(value)) return value ?? undefined;
    warnDropped('cache', key, NOT_AN_ENTRY); // corrupt (a custom cache's JSON.parse threw), or another shape
    remove(key).catch(noop); // after this read returns (remove() first awaits)
    return undefined;
  };

  /**
   * `when`: start the write a task later (off the caller's path), and only if `when()` then says yes;
   * reads in this tab wait for it all the same.
   */
  const write = (key: string, value: unknown, when?: () => Promise<boolean>): Promise<void> =>
    track(
      writing,
      key,
      (async () => {
        if (when && !(await new Promise((r) => setTimeout(r)).then(when))) return;
        await cache.set(key, value);
        if (!cache.allKeys) await updateManifest((keys) => keys.add(key));
      })(),
    );

  const remove = async (key: string): Promise<void> => {
    await writing.get(key)?.catch(noop); // never overtaken by a write issued before it
    await cache.remove(key);
    if (!cache.allKeys) await updateManifest((keys) => keys.delete(key));
  };

  /** Serialised in this store (in order) and, through a lock, across stores and tabs (the cache may be shared). */
  const updateManifest = (change: (keys: Set<string>) => void): Promise<void> => {
    const next = manifestChain.then(() =>
      runExclusive(
        `rotor-auth:manifest:${prefix}`,
        async () => {
          const keys = new Set(await manifest());
          change(keys);
          await cache.set(manifestKey, [...keys]);
        },
        10_000,
      ),
    );
    manifestChain = next.catch(noop);
    return next;
  };

  const manifest = async (): Promise<string[]> => {
    const v: unknown = await cache.get(manifestKey);
    return Array.isArray(v) ? v.filter(isRotorKey) : []; // it only ever lists this client's keys
  };

  /** Every key of this client (without the manifest and transactions), or those that start with `prefix` + `kind`. */
  const keys = async (kind = ''): Promise<string[]> => {
    const all = cache.allKeys ? await cache.allKeys() : await manifest();
    return [...new Set([...all, ...writing.keys()])].filter((k) => k.startsWith(prefix + kind) && k !== manifestKey && !k.startsWith(`${prefix}tx::`));
  };

  const getFamily = (family: string): Promise<FamilyRecord | undefined> => read(familyKey(family), isFamily);
  const getAccess = (audience: string, scope: string): Promise<AccessEntry | undefined> => read(accessKey(audience, scope), isAccess);
  /** The session as stored (see getSession). */
  const storedSession = (): Promise<SessionEntry | undefined> => read(sessionKey, isSession);

  return {
    consistent,
    /** A built-in backend: writes issued together are applied in order, at once (localStorage, memory) or in one IndexedDB transaction. */
    builtIn: consistent || cache instanceof LocalStorageCache || cache instanceof InMemoryCache,
    keys,
    getFamily,

    /** `lifetime`: seconds until the family's absolute end (`refresh_token_expires_in`), when the server sent it. */
    createFamily(family: string, refreshToken: string, scope?: string, jkt?: string, lifetime?: number): Promise<void> {
      const now = Date.now();
      const expires_at = lifetime && now + lifetime * 1000;
      // Optional fields left undefined are not stored (the built-in caches store JSON).
      return write(familyKey(family), { v: 1, family, refresh_token: refreshToken, created_at: now, updated_at: now, scope, jkt, expires_at });
    },

    /**
     * Compare-and-swap the family record: store `next` only if the record is
     * still `expected` (atomic with the backend's compareAndSet, else read,
     * compare and write under the family lock the caller holds). A throwing
     * write is tried once more. Returns whether it stored.
     */
    casFamily(expected: FamilyRecord, next: FamilyRecord): Promise<boolean> {
      const key = familyKey(expected.family);
      const once = async (): Promise<boolean> =>
        cache.compareAndSet
          ? !!(await cache.compareAndSet(key, expected, next))
          : sameJson(await raw(key), expected) && (await cache.set(key, next), true);
      return once()
        .catch(once)
        .catch((e: unknown) => {
          throw storageFailure('cache', 'write', e);
        });
    },

    getAccess,

    /** Another tab announced a write: the next cache hit reads storage. */
    forgetPeeked: (): void => void (consistent && cache.forget()),

    /**
     * The access entry for the cache-hit path: on IndexedDB it may come from the tab's mirror (another
     * tab's write may show a moment late); every decision under the family lock uses getAccess.
     */
    peekAccess: (audience: string, scope: string): Promise<AccessEntry | undefined> => read(accessKey(audience, scope), isAccess, true),

    setAccess: (entry: AccessEntry): Promise<void> => write(accessKey(entry.audience, entry.scope), entry),

    /** Remove `entry` (only while its (audience, scope) still holds its access token). */
    async removeAccess({ audience, scope, access_token }: AccessEntry): Promise<void> {
      if ((await getAccess(audience, scope))?.access_token === access_token) await remove(accessKey(audience, scope));
    },

    storedSession,

    /**
     * The signed-in session: none when it names a family that is gone (a sign-out in another tab that
     * raced this tab's session write: signed out all the same).
     */
    async getSession(): Promise<SessionEntry | undefined> {
      const s = await storedSession();
      return s?.family && !(await getFamily(s.family)) ? undefined : s;
    },

    /**
     * `ofFamily`: the session of that family's refresh, written a task later and only while the family
     * still exists (a sign-out meanwhile removed it: the session must not come back).
     */
    setSession: (entry: SessionEntry, ofFamily?: string): Promise<void> =>
      write(sessionKey, entry, ofFamily ? async () => !!(await getFamily(ofFamily)) : undefined),

    /**
     * Remove every token of a family: its refresh token, the access tokens that
     * name it and the session if it belongs to it. With `onlyIf`, nothing is
     * removed unless the family still holds that refresh token (another tab may
     * already have its successor). Returns whether the family was removed.
     */
    async removeFamily(family: string, onlyIf?: string): Promise<boolean> {
      const record = await getFamily(family);
      if (onlyIf && record && record.refresh_token !== onlyIf) return false;
      const doomed: string[] = [familyKey(family)];
      for (const key of await keys('at::')) {
        const entry: unknown = await raw(key);
        if (!isAccess(entry) || entry.family === family) doomed.push(key);
      }
      // The session as stored: getSession() would already hide one whose family record is gone.
      if ((await storedSession())?.family === family) doomed.push(sessionKey, jwksKey); // signed out: nothing of the client stays
      for (const key of doomed) await remove(key);
      return true;
    },

    getJwks: (): Promise<StoredJwks | undefined> => read(jwksKey, isJwks),

    setJwks: (jwks: StoredJwks): Promise<void> => write(jwksKey, jwks),

    /** Remove every entry of this client. */
    async clear(): Promise<void> {
      for (const key of await keys()) await remove(key);
      if (!cache.allKeys) await cache.remove(manifestKey);
    },

    /** All family ids that have a record. */
    families: async (): Promise<string[]> => (await keys('rt::')).map((k) => k.slice(familyKey('').length)),
  };
}
