import { classify } from './classify.js';
import { checkDpopTokenType } from './dpop-client.js';
import type { FamilyDeps, LoginCommit, RefreshRequest, SessionEvent, SignedOutReason } from './family-types.js';
import { DpopKeyMissingError, MissingRefreshTokenError, OAuthError, TimeoutError } from './errors.js';
import { checkRefreshIdToken, verifyRefreshIdToken } from './family-id-token.js';
import { revokeRefreshToken, sendRefresh, sendRevocation } from './family-send.js';
import type { IdTokenClaims } from './id-token.js';
import { runExclusive, warmLocks, type Held } from './lock.js';
import { noop, track } from './cache/cache.js';
import { Markers } from './markers.js';
import { processTokenResponse, type TokenEndpointResponse } from './token-endpoint.js';
import { accessEntryFor, isFresh, obtainedAfter, scopeKey, seqOf, str, type AccessEntry, type FamilyRecord, type SessionEntry } from './cache/token-store.js';

/**
 * The one owner of "a refresh-token family under lock". A refresh reads top-down:
 * acquire the family lock → catch up to the newest published rotation (fail
 * closed) → read → exchange → commit → publish → release, then check the ID
 * token (family-id-token.ts). The network steps are in family-send.ts.
 * Login (the code exchange's commit) and logout go through here too, so
 * a refresh that finishes after a sign-out is revoked, never stored.
 *
 * Guarantees:
 * - one exchange at a time per family (lock per client and family, across tabs
 *   with Web Locks); concurrent callers for the same (family, audience, scope)
 *   in this tab share one promise;
 * - commit first: nothing is awaited between a 200 and the commit. A custom
 *   cache gets the rotated refresh token (compare-and-swap), then the access
 *   token, then the record's `seq` bump; the built-in caches get the access
 *   token and the rotated record with its seq issued together (one IndexedDB
 *   transaction). Either way a tab that sees the new seq also sees the new
 *   access token. Its marker (Markers) is taken once the commit is issued,
 *   and held before the lock is released;
 * - the caller gets the token once it is committed and its ID token checked;
 *   the session write and the cross-tab notices follow (the session write
 *   still under the lock);
 * - a holder past its hold limit is aborted only before it sends; once sent,
 *   its response is committed before the lock is released;
 * - a lost response (no answer) is retried once with the same token;
 * - failures are classified once (classify.ts): terminal purges the family,
 *   transient keeps everything (and `Retry-After` is stored with the family so
 *   no tab sends earlier), a request error keeps the session;
 * - the ID token of a refresh is checked after the commit: deferred (keys
 *   unreachable, clock) keeps the tokens and the previous claims; hostile
 *   (bad signature, iss/sub/aud changed) revokes the family at the server.
 */
export type { FamilyDeps, LoginCommit, RefreshRequest, SessionEvent, SignedOutReason };

export class FamilyLock {
  private readonly inflight = new Map<string, Promise<AccessEntry>>();
  /** Bumped by every sign-out and login: a refresh that started before cannot store its result. */
  private epoch = 0;
  /** Rotated records whose write failed: kept in memory, written before this tab's next exchange. */
  private readonly unsaved = new Map<string, [expected: FamilyRecord, next: FamilyRecord]>();
  readonly markers: Markers;

  constructor(private readonly deps: FamilyDeps) {
    this.markers = new Markers(deps.store, `rotor-auth:${deps.clientId}:`, !deps.inTabOnly);
    if (!deps.inTabOnly) warmLocks();
  }

  refresh(req: RefreshRequest): Promise<AccessEntry> {
    // cacheMode 'off' callers share among themselves, not with a plain call that started earlier.
    const key = `${req.family}\n${req.audience}\n${scopeKey(req.scope)}${req.notBefore === undefined ? '' : '\noff'}`;
    const { inflight, deps } = this;
    return (
      inflight.get(key) ??
      track(
        inflight,
        key,
        // The caller gets its token once it is committed and checked (`ready`); the session write after it
        // still holds the lock. The lock's hold limit: the longest a holder may take before it sends.
        new Promise<AccessEntry>((ready, reject) =>
          runExclusive(`rotor-auth:${deps.clientId}:${req.family}`, (_signal, pin, held) => this.exchange(req, pin, ready, held), {
            timeoutMs: deps.httpTimeoutMs * 5 + 5_000,
            inTabOnly: deps.inTabOnly,
            snapshot: true, // the rotation markers held, read in the lock's own round trip
          }).then(ready, reject),
        ),
      )
    );
  }

  private async exchange(req: RefreshRequest, pin: () => boolean, ready: (entry: AccessEntry) => void, held?: Held): Promise<AccessEntry> {
    const { deps, epoch } = this;
    const { store } = deps;
    const { family } = req;
    const missing = () => new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    // Catch up (fail closed) and read: a rotated record whose write failed is written first (a StorageError
    // here: still unsaved, nothing sent).
    const unsaved = this.unsaved.get(family);
    if (unsaved) {
      await store.casFamily(...unsaved);
      this.unsaved.delete(family);
    }
    // The access entry already there (another tab's refresh), valid for `ms` more: fresh (leeway) → no exchange; still valid (0) → the fallback.
    const usable = (cached: AccessEntry | undefined, ms: number) =>
      cached?.family === family && obtainedAfter(cached, req.notBefore) && isFresh(cached, ms) ? cached : undefined;
    const leeway = deps.leeway * 1000;
    // Read alongside (again after a catch-up), so they show the latest rotation: the access entry, and the
    // session for the ID-token check (a sign-in that replaces it meanwhile removes the family: the commit fails).
    const [record, [cached, session]] = await this.markers.current(
      family,
      () => Promise.all([store.getAccess(req.audience, req.scope), store.storedSession().catch(() => null)]),
      held,
    );
    if (!record) throw missing();
    const seq = seqOf(record) + 1;
    let checked: Promise<void> | undefined;
    let stored = false;
    let entry: AccessEntry;
    let tokens: TokenEndpointResponse;
    let verified: Promise<IdTokenClaims> | undefined;
    let rotated!: FamilyRecord;
    try {
      const done = usable(cached, leeway);
      if (done) return done;
      const stillValid = usable(cached, 0);
      const wait = (record.not_before ?? 0) - Date.now(); // Retry-After: ms before a request may be sent
      if (wait > 0) {
        if (stillValid) return stillValid;
        const s = Math.ceil(wait / 1000);
        throw new OAuthError('temporarily_unavailable', `Retry-After: wait ${s} s`, 429, s);
      }
      // Exchange: keys the ID-token check will need are fetched alongside, never after.
      if (!deps.jwks.fresh) deps.jwks.prefetch();
      if (!pin()) throw new TimeoutError('Refresh lock hold limit passed: nothing sent');
      let body: Record<string, unknown>;
      try {
        body = await sendRefresh(deps, record, req);
      } catch (e) {
        // Failed: terminal ends the family (the server's code is what the app needs); Retry-After is stored with it.
        const kind = classify(e);
        if (kind === 'terminal' || e instanceof DpopKeyMissingError) await this.end(record, (e as OAuthError).error as SignedOutReason).catch(noop);
        // OAuthError and NetworkError carry the server's Retry-After.
        const wait = (e as { retryAfter?: number }).retryAfter ?? 0;
        if (kind === 'transient') {
          if (wait > 0) await store.casFamily(record, { ...record, not_before: Date.now() + wait * 1000 }).catch(noop);
          if (stillValid) return stillValid;
        }
        throw e;
      }
      const answeredAt = deps.clock.base(); // for the ID-token check (nothing awaited before the commit)
      answeredAt.catch(noop);
      const same = !str(body.refresh_token);
      rotated = { ...record, refresh_token: same ? record.refresh_token : (body.refresh_token as string), updated_at: Date.now() };
      delete rotated.not_before;
      // A result that must not be stored (signed out meanwhile): end it at the server too.
      const lost = async (): Promise<never> => {
        await revokeRefreshToken(deps, rotated);
        throw missing();
      };
      if (this.epoch !== epoch) return await lost();
      let invalid: unknown;
      try {
        tokens = processTokenResponse(body, { requireIdToken: false });
        if (record.jkt && deps.dpop) checkDpopTokenType(body); // a Bearer answer's access token is not used
        entry = accessEntryFor(tokens, req.audience, req.scope, family);
      } catch (e) {
        invalid = e; // the rotated refresh token is committed all the same
      }
      // Commit first: the rotated refresh token before anything else that can fail; then the access entry
      // and, issued right behind it, the seq bump (the built-in caches apply them in order), so a tab that
      // sees the new seq also sees the new access token. Built-in caches: the access entry, then the rotated
      // record with its seq, issued together (localStorage and memory apply both at once, IndexedDB in one
      // transaction; so the same holds with one record write).
      const one = store.builtIn || same;
      if (!one && !(await this.save(record, rotated))) return await lost();
      const accessWritten = invalid ? undefined : store.setAccess(entry!).catch(() => store.setAccess(entry!)).catch(noop);
      const saved = this.save(one ? record : rotated, { ...rotated, seq });
      // The ID token is checked alongside the commit, dated when the answer came; a microtask later, so the
      // writes reach storage first (IndexedDB creates the commit's transaction in the microtask queued before).
      const idToken = body.id_token;
      if (typeof idToken === 'string') (verified = Promise.resolve().then(() => verifyRefreshIdToken(deps, idToken, answeredAt))).catch(noop);
      await accessWritten;
      if (!(await saved) || this.epoch !== epoch) {
        if (!invalid) await store.removeAccess(entry!).catch(noop);
        return await lost();
      }
      stored = true;
      if (invalid) throw invalid;
      if (rotated.refresh_token !== record.refresh_token) setTimeout(() => deps.announce({ type: 'rotated', family })); // off the caller's path
      deps.onSessionEvent({ type: 'tokenRefreshed', audience: req.audience, expiresAt: entry!.expires_at });
      // The caller gets the token once its ID token is checked (or its check deferred).
      checked = tokens!.id_token && verified ? this.checkIdToken(family, tokens!.id_token, verified, session, () => ready(entry!)) : Promise.resolve(ready(entry!));
    } finally {
      // This rotation's marker, before the family lock is released (none when the ID token proved hostile or
      // a sign-out came meanwhile: the family is gone).
      if (stored) await (checked ?? Promise.resolve()).then(() => (this.epoch === epoch ? this.markers.hold(family, seq) : undefined), noop);
    }
    await checked;
    return entry!;
  }

  /** CAS a family record; a write that keeps failing leaves the record in memory (written before the next exchange). */
  private async save(expected: FamilyRecord, next: FamilyRecord): Promise<boolean> {
    const pending = this.unsaved.get(next.family);
    if (pending) {
      pending[1] = next; // storage is behind already: keep the newest in memory
      return true;
    }
    try {
      return await this.deps.store.casFamily(expected, next);
    } catch {
      this.unsaved.set(next.family, [expected, next]);
      return true;
    }
  }

  /** revokeRefreshToken(): revoke one family at the server (errors reach the caller; a gone DPoP key skips the request), then purge it here. */
  async revokeFamily(family: string): Promise<void> {
    const record = await this.deps.store.getFamily(family);
    if (!record) return;
    await sendRevocation(this.deps, record).catch((e: unknown) => {
      if (!(e instanceof DpopKeyMissingError)) throw e;
    });
    await this.end(record, 'logout');
  }

  /** Remove a family (if it still holds the refresh token of `record`, when there is one), tell the other tabs and the app. */
  private async end(record: Partial<FamilyRecord> & { family: string }, reason: SignedOutReason): Promise<void> {
    const { family } = record;
    if (!(await this.deps.store.removeFamily(family, record.refresh_token))) return;
    await this.deps.dpop?.forget(record.jkt);
    this.markers.release(family);
    this.deps.announce({ type: 'family_removed', family });
    this.deps.onSessionEvent({ type: 'signedOut', reason });
  }

  /** The ID token of a refresh (after the commit); a hostile one revokes and purges the family. */
  private checkIdToken(family: string, idToken: string, verified: Promise<IdTokenClaims>, session: SessionEntry | undefined | null, checked?: () => void): Promise<void> {
    return checkRefreshIdToken(this.deps, family, idToken, verified, session, checked, async () => {
      const record = await this.deps.store.getFamily(family);
      if (record) await revokeRefreshToken(this.deps, record);
      await this.end(record ?? { family }, 'invalid_id_token').catch(noop);
    });
  }

  /** An ID token whose check was deferred: check it again now (keys or clock may allow it). */
  async recheck(): Promise<void> {
    const session = await this.deps.store.getSession();
    const idToken = session?.pending_id_token;
    if (idToken && session.family) await this.checkIdToken(session.family, idToken, verifyRefreshIdToken(this.deps, idToken), session);
  }

  /**
   * Sign out: never waits for the lock. Every refresh in flight is told (epoch)
   * and revokes what it gets; every family is revoked at the server, then the
   * cache is cleared.
   */
  async signOut(revokeAll: boolean): Promise<void> {
    this.epoch++;
    let records: (FamilyRecord | undefined)[] = [];
    try {
      records = await this.records();
      if (revokeAll) await Promise.all(records.map((r) => r && revokeRefreshToken(this.deps, r)));
    } finally {
      await this.wipe(records);
    }
  }

  private async records(): Promise<(FamilyRecord | undefined)[]> {
    const { store } = this.deps;
    return Promise.all((await store.families()).map((f) => store.getFamily(f).catch(noop)));
  }

  /** Clear the cache, this tab's markers and unsaved records, and the DPoP keys of `records`. */
  private async wipe(records: (FamilyRecord | undefined)[]): Promise<void> {
    this.unsaved.clear();
    this.markers.release();
    await this.deps.store.clear();
    await Promise.all(records.map((r) => this.deps.dpop?.forget(r?.jkt)));
  }

  /** The code exchange's commit (everything already verified): replaces or extends the session. */
  async commitLogin(c: LoginCommit): Promise<AccessEntry> {
    const { store, dpop } = this.deps;
    this.epoch++;
    const { tokens, claims, dpopKey } = c;
    const rt = tokens.refresh_token;
    const previous = await store.getSession();
    const cleared = c.replaceSession || (!!previous && !!claims && previous.claims.sub !== claims.sub);
    if (cleared) {
      await this.wipe(dpop ? await this.records().catch(() => []) : []);
    } else if (rt && previous?.family) {
      const old = await store.getFamily(previous.family).catch(noop);
      await store.removeFamily(previous.family);
      await dpop?.forget(old?.jkt);
    }
    const family = rt ? c.newFamilyId : undefined;
    // DPoP: the key is saved before the family exists, so a family never lacks its key.
    if (dpopKey) await dpop?.save(dpopKey);
    if (family) await store.createFamily(family, rt!, tokens.scope ?? c.scope, dpopKey?.jkt);
    const sessionFamily = family ?? (cleared ? undefined : previous?.family);
    const entry = accessEntryFor(tokens, c.audience, c.scope, sessionFamily);
    await store.setAccess(entry);
    if (claims && tokens.id_token) {
      await store.setSession({ v: 1, id_token: tokens.id_token, claims, family: sessionFamily, obtained_at: entry.obtained_at });
    }
    this.deps.jwks.persistNow();
    this.deps.onSessionEvent({ type: 'signedIn' });
    return entry;
  }
}
