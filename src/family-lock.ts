import { classify } from './classify.js';
import type { FamilyDeps, LoginCommit, RefreshRequest, SessionEvent, SignedOutReason } from './family-types.js';
import { DpopKeyMissingError, GenericError, MissingRefreshTokenError, NetworkError, OAuthError, TimeoutError } from './errors.js';
import { checkRefreshIdToken, verifyRefreshIdToken } from './family-id-token.js';
import { revokeRefreshToken, sendRefresh, sendRevocation } from './family-send.js';
import type { IdTokenClaims } from './id-token.js';
import { runExclusive } from './lock.js';
import { Markers, type Settle } from './markers.js';
import { processTokenResponse, type TokenEndpointResponse } from './token-endpoint.js';
import { accessEntryFor, isFresh, obtainedAfter, scopeKey, TokenStore, type AccessEntry, type FamilyRecord, type SessionEntry } from './cache/token-store.js';

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
 * - commit first: as soon as a 200 carries a refresh token, it is
 *   compare-and-swapped into the family record; then the access token; then
 *   the record's `seq` is bumped (its marker, Markers, is taken before the
 *   request is sent), so a tab that sees the new seq also sees the new access token;
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

const retryAfterOf = (e: unknown): number | undefined =>
  e instanceof OAuthError || e instanceof NetworkError ? e.retryAfter : undefined;

export class FamilyLock {
  private readonly inflight = new Map<string, Promise<AccessEntry>>();
  /** Bumped by every sign-out and login: a refresh that started before cannot store its result. */
  private epoch = 0;
  /** Rotated records whose write failed: kept in memory, written before this tab's next exchange. */
  private readonly unsaved = new Map<string, { expected: FamilyRecord; next: FamilyRecord }>();
  readonly markers: Markers;

  constructor(private readonly deps: FamilyDeps) {
    this.markers = new Markers(deps.store, `rotor-auth:${deps.clientId}:`, !deps.inTabOnly);
  }

  /** Longest a holder may take before it sends (the lock's hold limit). */
  get lockTimeoutMs(): number {
    return this.deps.httpTimeoutMs * 5 + 5_000;
  }

  refresh(req: RefreshRequest): Promise<AccessEntry> {
    // cacheMode 'off' callers share among themselves, not with a plain call that started earlier.
    const key = `${req.family}\n${req.audience}\n${scopeKey(req.scope)}${req.notBefore === undefined ? '' : '\noff'}`;
    const existing = this.inflight.get(key);
    if (existing) return existing;
    // The caller gets its token once it is committed and checked (`ready`); the session write after it still holds the lock.
    const p = new Promise<AccessEntry>((ready, reject) =>
      runExclusive(`rotor-auth:${this.deps.clientId}:${req.family}`, (_signal, pin) => this.exchange(req, pin, ready), {
        timeoutMs: this.lockTimeoutMs,
        inTabOnly: this.deps.inTabOnly,
      }).then(ready, reject),
    );
    this.inflight.set(key, p);
    const done = () => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(done, done);
    return p;
  }

  private async exchange(req: RefreshRequest, pin: () => boolean, ready: (entry: AccessEntry) => void): Promise<AccessEntry> {
    const { store, jwks } = this.deps;
    const epoch = this.epoch;
    const missing = () => new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    // Catch up (fail closed) and read.
    await this.flushUnsaved(req.family);
    // The access entry already there (another tab's refresh): fresh → no exchange; still valid → the fallback.
    const usableOf = (cached: AccessEntry | undefined) =>
      cached?.family === req.family && obtainedAfter(cached, req.notBefore) ? cached : undefined;
    const fresh = (cached: AccessEntry | undefined) => {
      const usable = usableOf(cached);
      return usable && isFresh(usable, this.deps.leeway * 1000) ? usable : undefined;
    };
    // Read alongside (again after a catch-up), so they show the latest rotation: the access entry, and the
    // session for the ID-token check (a sign-in that replaces it meanwhile removes the family: the commit fails).
    // Storage whose writes other tabs may see late needs the next rotation's marker before anything is sent
    // (claimed alongside the catch-up check); storage every tab reads alike (IndexedDB) needs it only for a
    // write that fails, so it is claimed alongside the request.
    const [record, [cached, session], claimed] = await this.markers.current(
      req.family,
      () => Promise.all([store.getAccess(req.audience, req.scope), store.getSession().catch(() => null)]),
      store.consistent ? undefined : (r, [c]) => !fresh(c) && !(r.not_before !== undefined && r.not_before > Date.now()),
    );
    if (!record) throw missing();
    let claim: Promise<Settle> | undefined = claimed && Promise.resolve(claimed);
    let stored = false;
    let entry: AccessEntry;
    let tokens: TokenEndpointResponse;
    let verified: Promise<IdTokenClaims> | undefined;
    let rt: string;
    try {
      const done = fresh(cached);
      if (done) return done;
      const usable = usableOf(cached);
      const stillValid = usable && usable.expires_at > Date.now() ? usable : undefined;
      if (record.not_before !== undefined && record.not_before > Date.now()) {
        if (stillValid) return stillValid;
        const wait = Math.ceil((record.not_before - Date.now()) / 1000);
        throw new OAuthError('temporarily_unavailable', `Retry-After: wait ${wait} s`, 429, wait);
      }
      // Exchange: keys the ID-token check will need are fetched alongside, never after.
      if (!jwks.fresh) jwks.prefetch();
      const seq = TokenStore.seqOf(record) + 1;
      if (!claim) {
        claim = this.markers.claim(req.family, seq);
        // IndexedDB: a marker that cannot be taken only matters if the write fails too; else fail closed.
        if (store.consistent) claim.catch(() => undefined);
        else await claim;
      }
      if (!pin()) throw new TimeoutError('Refresh lock hold limit passed before sending');
      let body: Record<string, unknown>;
      try {
        body = await sendRefresh(this.deps, record, req);
      } catch (e) {
        await this.failed(req.family, record, e);
        if (stillValid && classify(e) === 'transient') return stillValid;
        throw e;
      }
      const receivedAt = await this.deps.clock.base();
      if (typeof body.id_token === 'string') verified = verifyRefreshIdToken(this.deps, body.id_token, receivedAt); // alongside the commit
      rt = typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : record.refresh_token;
      const rotated: FamilyRecord = { ...record, refresh_token: rt, updated_at: Date.now() };
      delete rotated.not_before;
      if (this.epoch !== epoch) return await this.discard(rt, missing(), record.jkt);
      let invalid: unknown;
      try {
        tokens = processTokenResponse(body, { requireIdToken: false });
        entry = accessEntryFor(tokens, req.audience, req.scope, req.family);
      } catch (e) {
        invalid = e; // the rotated refresh token is committed all the same
      }
      // Commit first: the rotated refresh token before anything else that can fail; then the access entry
      // and, issued right behind it, the seq bump (the built-in caches apply them in order), so a tab that
      // sees the new seq also sees the new access token. Built-in caches: the access entry, then the rotated
      // record with its seq, issued together (localStorage and memory apply both at once, IndexedDB in one
      // transaction; so the same holds with one record write).
      const bumped: FamilyRecord = { ...rotated, seq };
      const one = store.builtIn;
      if (!one && rt !== record.refresh_token && !(await this.save(record, rotated))) return await this.discard(rt, missing(), record.jkt);
      const accessWritten = invalid ? undefined : store.setAccess(entry!).catch(() => store.setAccess(entry!)).catch(() => undefined);
      const saved = this.save(one || rt === record.refresh_token ? record : rotated, bumped);
      await accessWritten;
      if (!(await saved) || this.epoch !== epoch) {
        if (!invalid) await store.removeAccess(entry!.audience, entry!.scope, entry!.access_token).catch(() => undefined);
        return await this.discard(rt, missing(), record.jkt);
      }
      stored = true;
      if (invalid) throw invalid;
    } finally {
      (await claim?.catch(() => undefined))?.(stored); // before the family lock is released
    }
    if (rt !== record.refresh_token) setTimeout(() => this.deps.announce({ type: 'rotated', family: req.family })); // off the caller's path
    this.deps.onSessionEvent({ type: 'tokenRefreshed', audience: req.audience, expiresAt: entry!.expires_at });
    if (tokens!.id_token && verified) await this.checkIdToken(req.family, tokens!.id_token, verified, session, () => ready(entry!));
    return entry!;
  }

  /** CAS a family record; a write that keeps failing leaves the record in memory (written before the next exchange). */
  private async save(expected: FamilyRecord, next: FamilyRecord): Promise<boolean> {
    const pending = this.unsaved.get(next.family);
    if (pending) {
      pending.next = next; // storage is behind already: keep the newest in memory
      return true;
    }
    try {
      return await this.deps.store.casFamily(expected, next);
    } catch {
      this.unsaved.set(next.family, { expected, next });
      return true;
    }
  }

  private async flushUnsaved(family: string): Promise<void> {
    const u = this.unsaved.get(family);
    if (!u) return;
    await this.deps.store.casFamily(u.expected, u.next); // throws StorageError: still unsaved, nothing sent
    this.unsaved.delete(family);
  }

  /** A result that must not be stored (signed out meanwhile): end it at the server too. */
  private async discard(refreshToken: string, error: GenericError, jkt?: string): Promise<never> {
    await revokeRefreshToken(this.deps, refreshToken, jkt);
    throw error;
  }

  /** revokeRefreshToken(): revoke one family at the server (errors reach the caller; a gone DPoP key skips the request), then purge it here. */
  async revokeFamily(family: string): Promise<void> {
    const record = await this.deps.store.getFamily(family);
    if (!record) return;
    await sendRevocation(this.deps, record.refresh_token, record.jkt).catch((e: unknown) => {
      if (!(e instanceof DpopKeyMissingError)) throw e;
    });
    await this.end(family, record.refresh_token, 'logout', record.jkt);
  }

  /** A failed exchange: terminal ends the family; Retry-After is stored with it. */
  private async failed(family: string, record: FamilyRecord, e: unknown): Promise<void> {
    const kind = classify(e);
    if ((kind === 'terminal' && e instanceof OAuthError) || e instanceof DpopKeyMissingError) {
      await this.end(family, record.refresh_token, e.error as SignedOutReason, record.jkt).catch(() => undefined); // the server's code is what the app needs
      return;
    }
    const wait = retryAfterOf(e);
    if (kind === 'transient' && wait !== undefined && wait > 0) {
      await this.deps.store.casFamily(record, { ...record, not_before: Date.now() + wait * 1000 }).catch(() => undefined);
    }
  }

  /** Remove a family (if it still holds `presented`), tell the other tabs and the app. */
  private async end(family: string, presented: string, reason: SignedOutReason, jkt?: string): Promise<void> {
    if (!(await this.deps.store.removeFamily(family, presented))) return;
    await this.deps.dpop?.forget(jkt);
    this.markers.release(family);
    this.deps.announce({ type: 'family_removed', family });
    this.deps.onSessionEvent({ type: 'signedOut', reason });
  }

  /** The ID token of a refresh (after the commit); a hostile one revokes and purges the family. */
  private checkIdToken(family: string, idToken: string, verified: Promise<IdTokenClaims>, session: SessionEntry | undefined | null, checked?: () => void): Promise<void> {
    return checkRefreshIdToken(this.deps, family, idToken, verified, session, checked, async () => {
      const record = await this.deps.store.getFamily(family);
      if (record) await revokeRefreshToken(this.deps, record.refresh_token, record.jkt);
      await this.end(family, record?.refresh_token ?? '', 'invalid_id_token', record?.jkt).catch(() => undefined);
    });
  }

  /** An ID token whose check was deferred: check it again now (keys or clock may allow it). */
  async recheck(): Promise<void> {
    const session = await this.deps.store.getSession();
    if (session?.pending_id_token && session.family) {
      await this.checkIdToken(session.family, session.pending_id_token, verifyRefreshIdToken(this.deps, session.pending_id_token, undefined), session);
    }
  }

  /**
   * Sign out: never waits for the lock. Every refresh in flight is told (epoch)
   * and revokes what it gets; every family is revoked at the server, then the
   * cache is cleared.
   */
  async signOut(revokeAll: boolean): Promise<void> {
    this.epoch++;
    const { store } = this.deps;
    let records: (FamilyRecord | undefined)[] = [];
    try {
      records = await this.records();
      if (revokeAll) await Promise.all(records.map((r) => (r ? revokeRefreshToken(this.deps, r.refresh_token, r.jkt) : undefined)));
    } finally {
      this.unsaved.clear();
      this.markers.release();
      await store.clear();
      await this.forgetKeys(records);
    }
  }

  private async records(): Promise<(FamilyRecord | undefined)[]> {
    const { store } = this.deps;
    return Promise.all((await store.families()).map((f) => store.getFamily(f).catch(() => undefined)));
  }

  private async forgetKeys(records: (FamilyRecord | undefined)[]): Promise<void> {
    await Promise.all(records.map((r) => this.deps.dpop?.forget(r?.jkt)));
  }

  /** The code exchange's commit (everything already verified): replaces or extends the session. */
  async commitLogin(c: LoginCommit): Promise<AccessEntry> {
    const { store } = this.deps;
    this.epoch++;
    const { tokens, claims } = c;
    const previous = await store.getSession();
    const cleared = c.replaceSession || (!!previous && !!claims && previous.claims.sub !== claims.sub);
    if (cleared) {
      const old = this.deps.dpop ? await this.records().catch(() => []) : [];
      this.markers.release();
      await store.clear();
      await this.forgetKeys(old);
    } else if (tokens.refresh_token && previous?.family) {
      const old = await store.getFamily(previous.family).catch(() => undefined);
      await store.removeFamily(previous.family);
      await this.deps.dpop?.forget(old?.jkt);
    }
    const family = tokens.refresh_token ? c.newFamilyId : undefined;
    // DPoP: the key is saved before the family exists, so a family never lacks its key.
    if (c.dpopKey) await this.deps.dpop?.save(c.dpopKey);
    if (family && tokens.refresh_token) await store.createFamily(family, tokens.refresh_token, tokens.scope ?? c.scope, c.dpopKey?.jkt);
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
