import type { StoredJwks } from '../id-token.js';
import { runExclusive } from '../lock.js';
import { CACHE_KEY_PREFIX, sameJson, type Cache } from './cache.js';
import { errorText } from '../errors.js';
import { storageFailure } from './codec.js';
import { IndexedDbCache } from './indexeddb.js';
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
  private manifestChain: Promise<unknown> = Promise.resolve();
  private warned = false;

  constructor(private readonly cache: Cache, clientId: string) {
    this.prefix = `${CACHE_KEY_PREFIX}::${clientId}::`;
  }

  /** Every tab reads what any tab wrote as soon as the write completes (IndexedDB; not localStorage across tabs). */
  get consistent(): boolean {
    return this.cache instanceof IndexedDbCache;
  }

  familyKey = (family: string): string => `${this.prefix}rt::${family}`;
  /** Access-entry keys by `audience scope` as asked (the cache-hit path computes no scope key). */
  private readonly accessKeys = new Map<string, string>();
  accessKey = (audience: string, scope: string): string => {
    const id = `${audience} ${scope}`;
    let key = this.accessKeys.get(id);
    if (key === undefined) this.accessKeys.set(id, (key = `${this.prefix}at::${audience}::${scopeKey(scope)}`));
    return key;
  };
  get sessionKey(): string {
    return `${this.prefix}id`;
  }
  private get manifestKey(): string {
    return `${this.prefix}keys`;
  }

  /** Writes in flight: a read of the same key in this tab waits for them (read your writes). */
  private readonly writing = new Map<string, Promise<unknown>>();

  private async read<T>(key: string, check: (v: unknown) => v is T): Promise<T | undefined> {
    let value: unknown;
    const pending = this.writing.get(key);
    if (pending) await pending.catch(() => undefined);
    try {
      value = await this.cache.get(key);
    } catch (e) {
      // A custom cache that JSON-parses corrupt data: the entry does not decode (never an I/O failure).
      if (!(e instanceof SyntaxError)) throw storageFailure('cache', 'read', e);
      this.drop(key, e);
      return undefined;
    }
    if (value === undefined || value === null) return undefined;
    if (check(value)) return value;
    this.drop(key, 'unexpected shape');
    return undefined;
  }

  /** A backend read; a backend that throws is a StorageError (transient: nothing is dropped). */
  private async raw(key: string): Promise<unknown> {
    try {
      return await this.cache.get(key);
    } catch (e) {
      throw storageFailure('cache', 'read', e);
    }
  }

  private drop(key: string, reason: unknown): void {
    if (!this.warned) {
      this.warned = true;
      console.warn(`rotor-auth: dropped unreadable cache entry ${key} (${errorText(reason)})`);
    }
    void Promise.resolve()
      .then(() => this.remove(key))
      .catch(() => undefined);
  }

  private write(key: string, value: unknown): Promise<void> {
    const p = (async () => {
      await this.cache.set(key, value);
      if (!this.cache.allKeys) await this.updateManifest((keys) => keys.add(key));
    })();
    this.writing.set(key, p);
    const done = () => {
      if (this.writing.get(key) === p) this.writing.delete(key);
    };
    p.then(done, done);
    return p;
  }

  private async remove(key: string): Promise<void> {
    await this.writing.get(key)?.catch(() => undefined); // never overtaken by a write issued before it
    await this.cache.remove(key);
    if (!this.cache.allKeys) await this.updateManifest((keys) => keys.delete(key));
  }

  /** Serialised in this instance and, through a lock, across instances and tabs (the cache may be shared). */
  private updateManifest(change: (keys: Set<string>) => void): Promise<void> {
    const next = this.manifestChain.then(() =>
      runExclusive(
        `rotor-auth:manifest:${this.prefix}`,
        async () => {
          const keys = new Set(await this.manifest());
          change(keys);
          await this.cache.set(this.manifestKey, [...keys]);
        },
        { timeoutMs: 10_000 },
      ),
    );
    this.manifestChain = next.catch(() => undefined);
    return next;
  }

  private async manifest(): Promise<string[]> {
    const v: unknown = await this.cache.get(this.manifestKey);
    return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
  }

  /** Every key of this client (without the manifest). */
  async keys(): Promise<string[]> {
    const all = this.cache.allKeys ? await this.cache.allKeys() : await this.manifest();
    return all.filter((k) => k.startsWith(this.prefix) && k !== this.manifestKey && !k.startsWith(`${this.prefix}tx::`));
  }

  getFamily(family: string): Promise<FamilyRecord | undefined> {
    return this.read(this.familyKey(family), isFamily);
  }

  async createFamily(family: string, refreshToken: string, scope?: string, jkt?: string): Promise<void> {
    const now = Date.now();
    const record: FamilyRecord = { v: 1, family, refresh_token: refreshToken, created_at: now, updated_at: now };
    if (scope !== undefined) record.scope = scope;
    if (jkt) record.jkt = jkt;
    await this.write(this.familyKey(family), record);
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
  async casFamily(expected: FamilyRecord, next: FamilyRecord): Promise<boolean> {
    const key = this.familyKey(expected.family);
    const once = async (): Promise<boolean> => {
      if (this.cache.compareAndSet) return !!(await this.cache.compareAndSet(key, expected, next));
      if (!sameJson(await this.raw(key), expected)) return false;
      await this.cache.set(key, next);
      return true;
    };
    try {
      return await once();
    } catch {
      try {
        return await once();
      } catch (e) {
        throw storageFailure('cache', 'write', e);
      }
    }
  }

  getAccess(audience: string, scope: string): Promise<AccessEntry | undefined> {
    return this.read(this.accessKey(audience, scope), isAccess);
  }

  setAccess(entry: AccessEntry): Promise<void> {
    return this.write(this.accessKey(entry.audience, entry.scope), entry);
  }

  /** Remove the access entry of (audience, scope); with `onlyIf`, only while it holds that access token. */
  async removeAccess(audience: string, scope: string, onlyIf?: string): Promise<void> {
    if (onlyIf !== undefined && (await this.getAccess(audience, scope))?.access_token !== onlyIf) return;
    await this.remove(this.accessKey(audience, scope));
  }

  getSession(): Promise<SessionEntry | undefined> {
    return this.read(this.sessionKey, isSession);
  }

  setSession(entry: SessionEntry): Promise<void> {
    return this.write(this.sessionKey, entry);
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
    for (const key of await this.keys()) {
      if (key.startsWith(`${this.prefix}at::`)) {
        const entry: unknown = await this.raw(key);
        if (!isAccess(entry) || entry.family === family) doomed.push(key);
      }
    }
    const session = await this.getSession();
    if (session?.family === family) doomed.push(this.sessionKey, `${this.prefix}jwks`); // signed out: nothing of the client stays
    for (const key of doomed) await this.remove(key);
    return true;
  }

  getJwks(): Promise<StoredJwks | undefined> {
    return this.read(`${this.prefix}jwks`, isJwks);
  }

  setJwks(jwks: StoredJwks): Promise<void> {
    return this.write(`${this.prefix}jwks`, jwks);
  }

  /** Remove every entry of this client. */
  async clear(): Promise<void> {
    for (const key of await this.keys()) await this.remove(key);
    if (!this.cache.allKeys) await this.cache.remove(this.manifestKey);
  }

  /** All family ids that have a record. */
  async families(): Promise<string[]> {
    const p = `${this.prefix}rt::`;
    return (await this.keys()).filter((k) => k.startsWith(p)).map((k) => k.slice(p.length));
  }
}
