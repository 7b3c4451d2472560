import type { StoredJwks } from '../id-token.js';
import { runExclusive } from '../lock.js';
import { CACHE_KEY_PREFIX, noop, sameJson, track, type Cache } from './cache.js';
import { storageFailure, warnDropped } from './codec.js';
import { IndexedDbCache } from './indexeddb.js';
import { LocalStorageCache } from './local-storage.js';
import { InMemoryCache } from './memory.js';
import { isAccess, isFamily, isJwks, isSession, scopeKey, type AccessEntry, type FamilyRecord, type SessionEntry } from './entries.js';

export {
  accessEntryFor, DEFAULT_AUDIENCE, isFresh, obtainedAfter, scopeKey, str,
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
export class TokenStore {
  readonly prefix: string;
  readonly sessionKey: string;
  private readonly manifestKey: string;
  private readonly jwksKey: string;
  private manifestChain: Promise<unknown> = Promise.resolve();
  /** Writes in flight: a read of the same key in this tab waits for them (read your writes). */
  private readonly writing = new Map<string, Promise<unknown>>();
  /** Access-entry keys by `audience scope` as asked (the cache-hit path computes no scope key). */
  private readonly accessKeys = new Map<string, string>();

  constructor(private readonly cache: Cache, clientId: string) {
    const prefix = (this.prefix = `${CACHE_KEY_PREFIX}::${clientId}::`);
    this.sessionKey = `${prefix}id`;
    this.manifestKey = `${prefix}keys`;
    this.jwksKey = `${prefix}jwks`;
  }

  /** Every tab reads what any tab wrote as soon as the write completes (IndexedDB; not localStorage across tabs). */
  get consistent(): boolean {
    return this.cache instanceof IndexedDbCache;
  }

  /** A built-in backend: writes issued together are applied in order, at once (localStorage, memory) or in one IndexedDB transaction. */
  get builtIn(): boolean {
    return this.consistent || this.cache instanceof LocalStorageCache || this.cache instanceof InMemoryCache;
  }

  familyKey = (family: string): string => `${this.prefix}rt::${family}`;
  accessKey = (audience: string, scope: string): string => {
    const id = `${audience} ${scope}`;
    let key = this.accessKeys.get(id);
    if (key === undefined) this.accessKeys.set(id, (key = `${this.prefix}at::${audience}::${scopeKey(scope)}`));
    return key;
  };

  /**
   * A backend read, after this tab's writes of the key; a backend that throws is a StorageError
   * (transient: nothing is dropped), except a custom cache's JSON SyntaxError with `parseError`: that
   * value is returned instead (the entry does not decode; never an I/O failure).
   */
  private async raw(key: string, parseError?: unknown): Promise<unknown> {
    const pending = this.writing.get(key); // the cache-hit path: no extra await when no write is under way
    if (pending) await pending.catch(noop);
    try {
      return await this.cache.get(key);
    } catch (e) {
      if (parseError && e instanceof SyntaxError) return parseError;
      throw storageFailure('cache', 'read', e);
    }
  }

  /** An entry of the shape `check` wants; one that decodes to another shape is dropped (and logged once). */
  private async read<T>(key: string, check: (v: unknown) => v is T): Promise<T | undefined> {
    const value = await this.raw(key, 'invalid JSON');
    if (value == null || check(value)) return value ?? undefined;
    warnDropped('cache', key, value === 'invalid JSON' ? value : 'unexpected shape');
    this.remove(key).catch(noop); // after this read returns (remove() first awaits)
    return undefined;
  }

  /**
   * `when`: start the write a task later (off the caller's path), and only if `when()` then says yes;
   * reads in this tab wait for it all the same.
   */
  private write(key: string, value: unknown, when?: () => Promise<boolean>): Promise<void> {
    return track(
      this.writing,
      key,
      (async () => {
        if (when && !(await new Promise((r) => setTimeout(r)).then(when))) return;
        await this.cache.set(key, value);
        if (!this.cache.allKeys) await this.updateManifest((keys) => keys.add(key));
      })(),
    );
  }

  private async remove(key: string): Promise<void> {
    await this.writing.get(key)?.catch(noop); // never overtaken by a write issued before it
    await this.cache.remove(key);
    if (!this.cache.allKeys) await this.updateManifest((keys) => keys.delete(key));
  }

  /** Serialised in this instance (in order) and, through a lock, across instances and tabs (the cache may be shared). */
  private updateManifest(change: (keys: Set<string>) => void): Promise<void> {
    const next = this.manifestChain.then(() =>
      runExclusive(
        `rotor-auth:manifest:${this.prefix}`,
        async () => {
          const keys = new Set(await this.manifest());
          change(keys);
          await this.cache.set(this.manifestKey, [...keys]);
        },
        10_000,
      ),
    );
    this.manifestChain = next.catch(noop);
    return next;
  }

  private async manifest(): Promise<string[]> {
    const v: unknown = await this.cache.get(this.manifestKey);
    return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
  }

  /** Every key of this client (without the manifest and transactions), or those that start with `prefix` + `kind`. */
  async keys(kind = ''): Promise<string[]> {
    const all = this.cache.allKeys ? await this.cache.allKeys() : await this.manifest();
    return [...new Set([...all, ...this.writing.keys()])].filter((k) => k.startsWith(this.prefix + kind) && k !== this.manifestKey && !k.startsWith(`${this.prefix}tx::`));
  }

  getFamily(family: string): Promise<FamilyRecord | undefined> {
    return this.read(this.familyKey(family), isFamily);
  }

  createFamily(family: string, refreshToken: string, scope?: string, jkt?: string): Promise<void> {
    const now = Date.now();
    // Optional fields left undefined are not stored (the built-in caches store JSON).
    return this.write(this.familyKey(family), { v: 1, family, refresh_token: refreshToken, created_at: now, updated_at: now, scope, jkt });
  }

  /** A record's sequence number (0 for records written before `seq` existed). */
  static seqOf(record: FamilyRecord): number {
    return record.seq ?? 0;
  }

  /**
   * Compare-and-swap the family record: store `next` only if the record is
   * still `expected` (atomic with the backend's compareAndSet, else read,
   * compare and write under the family lock the caller holds). A throwing
   * write is tried once more. Returns whether it stored.
   */
  casFamily(expected: FamilyRecord, next: FamilyRecord): Promise<boolean> {
    const key = this.familyKey(expected.family);
    const { cache } = this;
    const once = async (): Promise<boolean> =>
      cache.compareAndSet
        ? !!(await cache.compareAndSet(key, expected, next))
        : sameJson(await this.raw(key), expected) && (await cache.set(key, next), true);
    return once()
      .catch(once)
      .catch((e: unknown) => {
        throw storageFailure('cache', 'write', e);
      });
  }

  getAccess(audience: string, scope: string): Promise<AccessEntry | undefined> {
    return this.read(this.accessKey(audience, scope), isAccess);
  }

  setAccess(entry: AccessEntry): Promise<void> {
    return this.write(this.accessKey(entry.audience, entry.scope), entry);
  }

  /** Remove `entry` (only while its (audience, scope) still holds its access token). */
  async removeAccess({ audience, scope, access_token }: AccessEntry): Promise<void> {
    if ((await this.getAccess(audience, scope))?.access_token === access_token) await this.remove(this.accessKey(audience, scope));
  }

  /** The session as stored (see getSession). */
  storedSession(): Promise<SessionEntry | undefined> {
    return this.read(this.sessionKey, isSession);
  }

  /**
   * The signed-in session: none when it names a family that is gone (a sign-out in another tab that
   * raced this tab's session write: signed out all the same).
   */
  async getSession(): Promise<SessionEntry | undefined> {
    const s = await this.storedSession();
    return s?.family && !(await this.getFamily(s.family)) ? undefined : s;
  }

  /**
   * `ofFamily`: the session of that family's refresh, written a task later and only while the family
   * still exists (a sign-out meanwhile removed it: the session must not come back).
   */
  setSession(entry: SessionEntry, ofFamily?: string): Promise<void> {
    return this.write(this.sessionKey, entry, ofFamily === undefined ? undefined : async () => !!(await this.getFamily(ofFamily)));
  }

  /**
   * Remove every token of a family: its refresh token, the access tokens that
   * name it and the session if it belongs to it. With `onlyIf`, nothing is
   * removed unless the family still holds that refresh token (another tab may
   * already have its successor). Returns whether the family was removed.
   */
  async removeFamily(family: string, onlyIf?: string): Promise<boolean> {
    const record = await this.getFamily(family);
    if (onlyIf !== undefined && record && record.refresh_token !== onlyIf) return false;
    const doomed: string[] = [this.familyKey(family)];
    for (const key of await this.keys('at::')) {
      const entry: unknown = await this.raw(key);
      if (!isAccess(entry) || entry.family === family) doomed.push(key);
    }
    // The session as stored: getSession() would already hide one whose family record is gone.
    if ((await this.storedSession())?.family === family) doomed.push(this.sessionKey, this.jwksKey); // signed out: nothing of the client stays
    for (const key of doomed) await this.remove(key);
    return true;
  }

  getJwks(): Promise<StoredJwks | undefined> {
    return this.read(this.jwksKey, isJwks);
  }

  setJwks(jwks: StoredJwks): Promise<void> {
    return this.write(this.jwksKey, jwks);
  }

  /** Remove every entry of this client. */
  async clear(): Promise<void> {
    for (const key of await this.keys()) await this.remove(key);
    if (!this.cache.allKeys) await this.cache.remove(this.manifestKey);
  }

  /** All family ids that have a record. */
  async families(): Promise<string[]> {
    return (await this.keys('rt::')).map((k) => k.slice(this.familyKey('').length));
  }
}
