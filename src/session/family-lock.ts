import { classify } from '../protocol/classify.js';
import type { FamilyDeps, LoginCommit, RefreshRequest, SessionEvent, SignedOutReason } from './family-types.js';
import { DpopKeyMissingError, MissingRefreshTokenError, OAuthError, SessionExpiredError } from '../errors.js';
import { checkRefreshIdToken, verifyRefreshIdToken, type IdTokenCheck } from './family-id-token.js';
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

/** One exchange, as read under the lock: what every later step decides from. */
interface Exchange {
  req: RefreshRequest;
  /** The sign-out/login epoch it started in: a different one at commit time means "do not store". */
  started: number;
  record: FamilyRecord;
  /** The seq this rotation publishes (the record's + 1). */
  seq: number;
  cached?: AccessEntry;
  /** The session for the ID-token check (`null`: unknown, read it then). */
  session: SessionEntry | undefined | null;
}

/** A committed refresh: its access entry (none when `invalid`), the rotated record and the ID token's check. */
interface Committed {
  entry?: AccessEntry;
  invalid?: unknown;
  rotated: FamilyRecord;
  idToken?: string;
  verified?: Promise<IdTokenClaims>;
}

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
  const missing = (req: RefreshRequest) => new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);

  /*
   * The exchange, step by step. Its ordering rules (the guarantee) in one place:
   * 1. catch up and read under the lock, never before (`begin`);
   * 2. nothing is sent while the cache already answers or `Retry-After` forbids it (`decide`);
   * 3. nothing is awaited between the server's 200 and the commit's writes being issued (`commit`): the rotated
   *    refresh token first for a custom cache, else the access entry and the record with its new seq together;
   * 4. a result that must not be stored (a sign-out came meanwhile) is revoked at the server (`lost`);
   * 5. the ID token check starts right behind the writes and the caller gets the token only once it passed or
   *    was deferred (`publish`);
   * 6. the rotation's marker is held before the lock is released (`marker`).
   */
  const exchange = async (req: RefreshRequest, pin: () => void, ready: (entry: AccessEntry) => void, held?: Held): Promise<AccessEntry> => {
    const x = await begin(req, held);
    const { done, stillValid } = decide(x);
    if (done) return done;
    let body: Record<string, unknown>;
    try {
      body = await send(x, pin);
    } catch (e) {
      return await failed(x, e, stillValid);
    }
    const committed = await commit(x, body);
    let checked: Promise<void> | undefined;
    try {
      checked = publish(x, committed, ready);
    } finally {
      await marker(x, checked);
    }
    await checked;
    return committed.entry!;
  };

  /** Step 1: catch up (a rotated record whose write failed is written first; fail closed), then read under the lock. */
  const begin = async (req: RefreshRequest, held: Held | undefined): Promise<Exchange> => {
    const started = epoch; // a sign-out or login from here on: the result is not stored
    const { family } = req;
    const behind = unsaved.get(family);
    if (behind) {
      await store.casFamily(...behind); // a StorageError here: still unsaved, nothing sent
      unsaved.delete(family);
    }
    // Read alongside (again after a catch-up), so they show the latest rotation: the access entry, and the session
    // for the ID-token check (a sign-in that replaces it meanwhile removes the family: the commit fails).
    const [record, [cached, session]] = await marks.current(
      family,
      () => Promise.all([store.getAccess(req.audience, req.scope), store.storedSession().catch(() => null)]),
      held,
    );
    if (!record) throw missing(req);
    if (pastHorizon(record)) throw await endAtHorizon(record); // horizon.ts: a refresh that must fail is not sent
    return { req, started, record, seq: seqOf(record) + 1, cached, session };
  };

  /**
   * Step 2, from the cache and `Retry-After`: `done` when another tab's refresh left a fresh access entry (no exchange);
   * `stillValid` when the entry there is past its leeway but not expired (the answer if the exchange cannot run now).
   */
  const decide = (x: Exchange): { done?: AccessEntry; stillValid?: AccessEntry } => {
    const { req, record, cached } = x;
    const usable = (ms: number) =>
      cached?.family === req.family && obtainedAfter(cached, req.notBefore) && isFresh(cached, ms) ? cached : undefined;
    const done = usable(deps.leeway * 1000);
    if (done) return { done };
    const stillValid = usable(0);
    const wait = (record.not_before ?? 0) - Date.now(); // Retry-After: ms before a request may be sent
    if (wait <= 0) return { stillValid };
    if (stillValid) return { done: stillValid };
    const s = Math.ceil(wait / 1000);
    throw new OAuthError('temporarily_unavailable', `Retry-After: wait ${s} s`, 429, s);
  };

  /** Step 3: send the refresh; the keys the ID-token check will need are fetched alongside, never after. */
  const send = (x: Exchange, pin: () => void): Promise<Record<string, unknown>> => {
    deps.jwks.prefetch(); // none if they are fresh
    pin(); // past the lock's hold limit: throws its TimeoutError, nothing is sent
    return sendRefresh(deps, x.record, x.req);
  };

  /**
   * A refresh that failed, classified once: terminal ends the family (the server's code is what the app needs);
   * transient keeps everything, stores `Retry-After` with the family and answers with a still-valid token if any.
   */
  const failed = async (x: Exchange, e: unknown, stillValid: AccessEntry | undefined): Promise<AccessEntry> => {
    const kind = classify(e);
    if (kind === 'terminal' || e instanceof DpopKeyMissingError) await end(x.record, (e as OAuthError).error as SignedOutReason).catch(noop);
    if (kind === 'transient') {
      const wait = (e as { retryAfter?: number }).retryAfter ?? 0; // OAuthError and NetworkError carry it
      if (wait > 0) await store.casFamily(x.record, { ...x.record, not_before: Date.now() + wait * 1000 }).catch(noop);
      if (stillValid) return stillValid;
    }
    throw e;
  };

  /**
   * Step 4, commit first: the writes are issued before anything else is awaited; the ID token's check starts a
   * microtask behind them (so IndexedDB has created the commit's transaction), dated when the answer came.
   * A response that must not be stored is revoked (`lost`). An access token that is unusable (`invalid`) is not
   * written, but the rotated refresh token is committed all the same.
   */
  const commit = async (x: Exchange, body: Record<string, unknown>): Promise<Committed> => {
    const answeredAt = deps.clock.base(); // for the ID-token check
    answeredAt.catch(noop);
    const same = !str(body.refresh_token);
    const rotated: FamilyRecord = { ...x.record, refresh_token: same ? x.record.refresh_token : (body.refresh_token as string), updated_at: Date.now() };
    delete rotated.not_before;
    Object.assign(rotated, horizonFields(body)); // horizon.ts: the family's absolute end, when the server sent it
    if (epoch !== x.started) return await lost(x, rotated);
    const { entry, invalid } = accessEntryOf(x, body);
    // A custom cache gets the rotated refresh token alone first (compare-and-swap); the built-in caches apply
    // the access entry and the record with its seq at once (localStorage, memory) or in one IndexedDB transaction.
    const oneWrite = store.builtIn || same;
    if (!oneWrite && !(await save(x.record, rotated))) return await lost(x, rotated);
    const accessWritten = entry && store.setAccess(entry).catch(() => store.setAccess(entry)).catch(noop);
    const saved = save(oneWrite ? x.record : rotated, { ...rotated, seq: x.seq });
    const idToken = typeof body.id_token === 'string' ? body.id_token : undefined;
    const verified = idToken === undefined ? undefined : Promise.resolve().then(() => verifyRefreshIdToken(deps, idToken, answeredAt));
    verified?.catch(noop);
    await accessWritten;
    if (!(await saved) || epoch !== x.started) {
      if (entry) await store.removeAccess(entry).catch(noop);
      return await lost(x, rotated);
    }
    return { entry, invalid, rotated, idToken, verified };
  };

  /** The access entry of a refresh response; DPoP-bound families do not use a Bearer answer's access token. */
  const accessEntryOf = (x: Exchange, body: Record<string, unknown>): { entry?: AccessEntry; invalid?: unknown } => {
    try {
      return { entry: accessEntryFor(processTokenResponse(body, false, x.record.jkt && dpop), x.req) };
    } catch (invalid) {
      return { invalid };
    }
  };

  /** A result that must not be stored (signed out meanwhile): end it at the server too. */
  const lost = async (x: Exchange, rotated: FamilyRecord): Promise<never> => {
    await revokeRefreshToken(deps, rotated);
    throw missing(x.req);
  };

  /**
   * Step 5, once committed: tell the other tabs (a rotation) and the app (tokenRefreshed), and hand the caller its
   * token once its ID token is checked or its check deferred. Returns that check, which the marker waits for.
   */
  const publish = (x: Exchange, c: Committed, ready: (entry: AccessEntry) => void): Promise<void> | undefined => {
    if (c.invalid) throw c.invalid;
    const entry = c.entry!;
    const { family } = x.req;
    if (c.rotated.refresh_token !== x.record.refresh_token) setTimeout(() => announce({ type: 'rotated', family })); // off the caller's path
    onSessionEvent({ type: 'tokenRefreshed', audience: x.req.audience, expiresAt: entry.expires_at });
    if (!c.verified) return void ready(entry);
    return checkIdToken({ family, idToken: c.idToken!, verified: c.verified, known: x.session, checked: () => ready(entry) });
  };

  /**
   * Step 6: this rotation's marker, before the family lock is released; none when the ID token proved hostile or a
   * sign-out came meanwhile (the family is gone).
   */
  const marker = async (x: Exchange, checked: Promise<void> | undefined): Promise<void> => {
    await Promise.resolve(checked).then(() => (epoch === x.started ? marks.hold(x.req.family, x.seq) : undefined), noop);
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
  const checkIdToken = (check: Omit<IdTokenCheck, 'onHostile'>): Promise<void> =>
    checkRefreshIdToken(deps, {
      ...check,
      onHostile: async () => {
        const record = await store.getFamily(check.family);
        if (record) await revokeRefreshToken(deps, record);
        await end(record ?? { family: check.family }, 'invalid_id_token').catch(noop);
      },
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
            runExclusive(lockPrefix + req.family, (pin, held) => exchange(req, pin, ready, held), deps.httpTimeoutMs * 5 + 5_000, {
              inTabOnly,
              snapshot: true,
            }).then(ready, reject),
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
      if (idToken && session.family) await checkIdToken({ family: session.family, idToken, verified: verifyRefreshIdToken(deps, idToken), known: session });
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
        await dpop?.nonces.clear().catch(noop); // issue 23: a sign-out forgets every server's DPoP nonce
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
      const entry = accessEntryFor(tokens, { audience: c.audience, scope: c.scope, family: sessionFamily });
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
