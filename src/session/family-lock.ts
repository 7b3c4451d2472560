import { classify } from '../protocol/classify.js';
import type { FamilyDeps, LoginCommit, RefreshRequest, SessionEvent, SignedOutReason } from './family-types.js';
import { DpopKeyMissingError, MissingRefreshTokenError, OAuthError, SessionExpiredError } from '../errors.js';
import { checkRefreshIdToken, verifyRefreshIdToken } from './family-id-token.js';
import { revokeRefreshToken, sendRefresh, sendRevocation } from './family-send.js';
import type { IdTokenClaims } from '../protocol/id-token.js';
import { runExclusive, warmLocks, type Held } from '../lock.js';
import { noop, track } from '../cache/cache.js';
import { markers, type Markers } from './markers.js';
import { processTokenResponse } from '../protocol/token-endpoint.js';
import { accessEntryFor, isFresh, obtainedAfter, scopeKey, seqOf, type AccessEntry, type FamilyRecord, type SessionEntry } from '../cache/token-store.js';
import { str } from '../shape.js';
import { horizonFields, pastHorizon } from './horizon.js';

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

export type FamilyLock = ReturnType<typeof familyLock>;

export function familyLock(deps: FamilyDeps) {
  const { store, clientId, inTabOnly, dpop, announce, onSessionEvent } = deps;
  const inflight = new Map<string, Promise<AccessEntry>>();
  /** Bumped by every sign-out and login: a refresh that started before cannot store its result. */
  let epoch = 0;
  /** Rotated records whose write failed: kept in memory, written before this tab's next exchange. */
  const unsaved = new Map<string, [expected: FamilyRecord, next: FamilyRecord]>();
  /** Horizon purges under way (endAtHorizon). */
  const ending = new Map<string, Promise<void>>();
  /** Lock names: `rotor-auth:{clientId}:{family}` (and the family's markers). */
  const lockPrefix = `rotor-auth:${clientId}:`;
  const marks = markers(store, lockPrefix, !inTabOnly);
  if (!inTabOnly) warmLocks();

  const exchange = async (req: RefreshRequest, pin: () => void, ready: (entry: AccessEntry) => void, held?: Held): Promise<AccessEntry> => {
    const started = epoch;
    const { family } = req;
    const missing = () => new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    // Catch up (fail closed) and read: a rotated record whose write failed is written first (a StorageError
    // here: still unsaved, nothing sent).
    const behind = unsaved.get(family);
    if (behind) {
      await store.casFamily(...behind);
      unsaved.delete(family);
    }
    // The access entry already there (another tab's refresh), valid for `ms` more: fresh (leeway) → no exchange; still valid (0) → the fallback.
    const usable = (cached: AccessEntry | undefined, ms: number) =>
      cached?.family === family && obtainedAfter(cached, req.notBefore) && isFresh(cached, ms) ? cached : undefined;
    const leeway = deps.leeway * 1000;
    // Read alongside (again after a catch-up), so they show the latest rotation: the access entry, and the
    // session for the ID-token check (a sign-in that replaces it meanwhile removes the family: the commit fails).
    const [record, [cached, session]] = await marks.current(
      family,
      () => Promise.all([store.getAccess(req.audience, req.scope), store.storedSession().catch(() => null)]),
      held,
    );
    if (!record) throw missing();
    if (pastHorizon(record)) throw await endAtHorizon(record); // horizon.ts: a refresh that must fail is not sent
    const seq = seqOf(record) + 1;
    let checked: Promise<void> | undefined;
    let stored = false;
    let entry: AccessEntry;
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
      deps.jwks.prefetch(); // none if they are fresh
      pin(); // past the lock's hold limit: throws its TimeoutError, nothing is sent
      let body: Record<string, unknown>;
      try {
        body = await sendRefresh(deps, record, req);
      } catch (e) {
        // Failed: terminal ends the family (the server's code is what the app needs); Retry-After is stored with it.
        const kind = classify(e);
        if (kind === 'terminal' || e instanceof DpopKeyMissingError) await end(record, (e as OAuthError).error as SignedOutReason).catch(noop);
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
      Object.assign(rotated, horizonFields(body)); // horizon.ts: the family's absolute end, when the server sent it
      // A result that must not be stored (signed out meanwhile): end it at the server too.
      const lost = async (): Promise<never> => {
        await revokeRefreshToken(deps, rotated);
        throw missing();
      };
      if (epoch !== started) return await lost();
      let invalid: unknown;
      try {
        // DPoP-bound: a Bearer answer's access token is not used
        entry = accessEntryFor(processTokenResponse(body, false, record.jkt && dpop), req.audience, req.scope, family);
      } catch (e) {
        invalid = e; // the rotated refresh token is committed all the same
      }
      // Commit first: the rotated refresh token before anything else that can fail; then the access entry
      // and, issued right behind it, the seq bump (the built-in caches apply them in order), so a tab that
      // sees the new seq also sees the new access token. Built-in caches: the access entry, then the rotated
      // record with its seq, issued together (localStorage and memory apply both at once, IndexedDB in one
      // transaction; so the same holds with one record write).
      const one = store.builtIn || same;
      if (!one && !(await save(record, rotated))) return await lost();
      const accessWritten = invalid ? undefined : store.setAccess(entry!).catch(() => store.setAccess(entry!)).catch(noop);
      const saved = save(one ? record : rotated, { ...rotated, seq });
      // The ID token is checked alongside the commit, dated when the answer came; a microtask later, so the
      // writes reach storage first (IndexedDB creates the commit's transaction in the microtask queued before).
      const idToken = body.id_token;
      if (typeof idToken === 'string') (verified = Promise.resolve().then(() => verifyRefreshIdToken(deps, idToken, answeredAt))).catch(noop);
      await accessWritten;
      if (!(await saved) || epoch !== started) {
        if (!invalid) await store.removeAccess(entry!).catch(noop);
        return await lost();
      }
      stored = true;
      if (invalid) throw invalid;
      if (rotated.refresh_token !== record.refresh_token) setTimeout(() => announce({ type: 'rotated', family })); // off the caller's path
      onSessionEvent({ type: 'tokenRefreshed', audience: req.audience, expiresAt: entry!.expires_at });
      // The caller gets the token once its ID token is checked (or its check deferred).
      if (verified) checked = checkIdToken(family, idToken as string, verified, session, () => ready(entry!));
      else ready(entry!);
    } finally {
      // This rotation's marker, before the family lock is released (none when the ID token proved hostile or
      // a sign-out came meanwhile: the family is gone).
      if (stored) await Promise.resolve(checked).then(() => (epoch === started ? marks.hold(family, seq) : undefined), noop);
    }
    await checked;
    return entry!;
  };

  /** CAS a family record; a write that keeps failing leaves the record in memory (written before the next exchange). */
  const save = async (expected: FamilyRecord, next: FamilyRecord): Promise<boolean> => {
    const pending = unsaved.get(next.family);
    if (pending) {
      pending[1] = next; // storage is behind already: keep the newest in memory
      return true;
    }
    try {
      return await store.casFamily(expected, next);
    } catch {
      unsaved.set(next.family, [expected, next]);
      return true;
    }
  };

  /** Remove a family (if it still holds the refresh token of `record`, when there is one), tell the other tabs and the app. */
  const end = async (record: Partial<FamilyRecord> & { family: string }, reason: SignedOutReason): Promise<void> => {
    const { family } = record;
    if (!(await store.removeFamily(family, record.refresh_token))) return;
    await dpop?.forget(record.jkt);
    marks.release(family);
    announce({ type: 'family_removed', family });
    onSessionEvent({ type: 'signedOut', reason });
  };

  /** Horizon (horizon.ts): purge a family past its absolute end without a request; the error for the caller. */
  const endAtHorizon = async (record: FamilyRecord): Promise<SessionExpiredError> => {
    const { family } = record; // callers at the same time (a timer, a refresh) share one purge and one signedOut
    await (ending.get(family) ?? track(ending, family, end(record, 'login_required').catch(noop)));
    return new SessionExpiredError('absolute', record.expires_at!);
  };

  /** The ID token of a refresh (after the commit); a hostile one revokes and purges the family. */
  const checkIdToken = (family: string, idToken: string, verified: Promise<IdTokenClaims>, session: SessionEntry | undefined | null, checked?: () => void): Promise<void> =>
    checkRefreshIdToken(deps, family, idToken, verified, session, checked, async () => {
      const record = await store.getFamily(family);
      if (record) await revokeRefreshToken(deps, record);
      await end(record ?? { family }, 'invalid_id_token').catch(noop);
    });

  const records = async (): Promise<(FamilyRecord | undefined)[]> => Promise.all((await store.families()).map((f) => store.getFamily(f).catch(noop)));

  /** Clear the cache, this tab's markers and unsaved records, and the DPoP keys of `records`. */
  const wipe = async (records: (FamilyRecord | undefined)[]): Promise<void> => {
    unsaved.clear();
    marks.release();
    await store.clear();
    await Promise.all(records.map((r) => dpop?.forget(r?.jkt)));
  };

  return {
    markers: marks,

    /** Horizon (horizon.ts): whether `family` has ended (purged now, without a request, if it is past its absolute end). */
    async ended(family: string): Promise<boolean> {
      const record = await store.getFamily(family);
      if (record && pastHorizon(record)) await endAtHorizon(record);
      return !record || pastHorizon(record);
    },

    refresh(req: RefreshRequest): Promise<AccessEntry> {
      // cacheMode 'off' callers share among themselves, not with a plain call that started earlier.
      const key = `${req.family}\n${req.audience}\n${scopeKey(req.scope)}${req.notBefore === undefined ? '' : '\noff'}`;
      return (
        inflight.get(key) ??
        track(
          inflight,
          key,
          // The caller gets its token once it is committed and checked (`ready`); the session write after it
          // still holds the lock. The lock's hold limit: the longest a holder may take before it sends.
          new Promise<AccessEntry>((ready, reject) =>
            runExclusive(lockPrefix + req.family, (pin, held) => exchange(req, pin, ready, held), deps.httpTimeoutMs * 5 + 5_000, inTabOnly, true).then(ready, reject),
          ),
        )
      );
    },

    /** revokeRefreshToken(): revoke one family at the server (errors reach the caller; a gone DPoP key skips the request), then purge it here. */
    async revokeFamily(family: string): Promise<void> {
      const record = await store.getFamily(family);
      if (!record) return;
      await sendRevocation(deps, record).catch((e: unknown) => {
        if (!(e instanceof DpopKeyMissingError)) throw e;
      });
      await end(record, 'logout');
    },

    /** An ID token whose check was deferred: check it again now (keys or clock may allow it). */
    async recheck(): Promise<void> {
      const session = await store.getSession();
      const idToken = session?.pending_id_token;
      if (idToken && session.family) await checkIdToken(session.family, idToken, verifyRefreshIdToken(deps, idToken), session);
    },

    /**
     * Sign out: never waits for the lock. Every refresh in flight is told (epoch)
     * and revokes what it gets; every family is revoked at the server, then the
     * cache is cleared.
     */
    async signOut(revokeAll: boolean): Promise<void> {
      epoch++;
      let all: (FamilyRecord | undefined)[] = [];
      try {
        all = await records();
        if (revokeAll) await Promise.all(all.map((r) => r && revokeRefreshToken(deps, r)));
      } finally {
        await wipe(all);
      }
    },

    /** The code exchange's commit (everything already verified): replaces or extends the session. */
    async commitLogin(c: LoginCommit): Promise<AccessEntry> {
      epoch++;
      const { tokens, claims, dpopKey } = c;
      const rt = tokens.refresh_token;
      const previous = await store.getSession();
      const cleared = c.replaceSession || (!!previous && !!claims && previous.claims.sub !== claims.sub);
      if (cleared) {
        await wipe(dpop ? await records().catch(() => []) : []);
      } else if (rt && previous?.family) {
        const old = await store.getFamily(previous.family).catch(noop);
        await store.removeFamily(previous.family);
        await dpop?.forget(old?.jkt);
      }
      const family = rt ? c.newFamilyId : undefined;
      // DPoP: the key is saved before the family exists, so a family never lacks its key.
      if (dpopKey) await dpop?.save(dpopKey);
      if (family) await store.createFamily(family, rt!, tokens.scope ?? c.scope, dpopKey?.jkt, tokens.refresh_token_expires_in);
      const sessionFamily = family ?? (cleared ? undefined : previous?.family);
      const entry = accessEntryFor(tokens, c.audience, c.scope, sessionFamily);
      await store.setAccess(entry);
      if (claims && tokens.id_token) {
        await store.setSession({ v: 1, id_token: tokens.id_token, claims, family: sessionFamily, obtained_at: entry.obtained_at });
      }
      deps.jwks.persistNow();
      onSessionEvent({ type: 'signedIn' });
      return entry;
    },
  };
}
