import { classify } from './classify.js';
import type { Clock } from './clock.js';
import type { Endpoints } from './endpoints.js';
import type { Dpop } from './dpop-client.js';
import { checkDpopTokenType } from './dpop-client.js';
import type { DpopKey } from './dpop/key.js';
import { DpopKeyMissingError, GenericError, IdTokenValidationError, MissingRefreshTokenError, NetworkError, OAuthError, TimeoutError } from './errors.js';
import { checkRefreshedClaims, verifyIdToken, type IdTokenClaims, type JwksCache } from './id-token.js';
import { runExclusive } from './lock.js';
import { Markers } from './markers.js';
import type { TabMessage } from './tab-sync.js';
import { processTokenResponse, requestRefreshGrant, requestRevocation, type DpopHttp, type TokenEndpointResponse } from './token-endpoint.js';
import { accessEntryFor, isFresh, obtainedAfter, scopeKey, TokenStore, type AccessEntry, type FamilyRecord } from './cache/token-store.js';

/**
 * The one owner of "a refresh-token family under lock". A refresh reads top-down:
 * acquire the family lock → catch up to the newest published rotation (fail
 * closed) → read → exchange → commit → publish → release, then check the ID
 * token. Login (the code exchange's commit) and logout go through here too, so
 * a refresh that finishes after a sign-out is revoked, never stored.
 *
 * Guarantees:
 * - one exchange at a time per family (lock per client and family, across tabs
 *   with Web Locks); concurrent callers for the same (family, audience, scope)
 *   in this tab share one promise;
 * - commit first: as soon as a 200 carries a refresh token, it is
 *   compare-and-swapped into the family record; then the access token; then
 *   the record's `seq` is bumped and published (Markers), so a tab that sees
 *   the new seq also sees the new access token;
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
export type SessionEvent =
  | { type: 'signedIn' }
  | { type: 'tokenRefreshed'; audience: string; expiresAt: number }
  | { type: 'signedOut'; reason: SignedOutReason };

export type SignedOutReason = 'logout' | 'other_tab' | 'invalid_grant' | 'invalid_client' | 'unauthorized_client' | 'invalid_id_token' | 'dpop_key_missing';

export interface FamilyDeps {
  clientId: string;
  store: TokenStore;
  endpoints: () => Promise<Endpoints>;
  httpTimeoutMs: number;
  /** Seconds (ID-token checks and early refresh). */
  leeway: number;
  /** Memory caches are per tab: no cross-tab locks or markers. */
  inTabOnly: boolean;
  jwks: JwksCache;
  clock: Clock;
  announce: (message: TabMessage) => void;
  /** Every session outcome, for client.on(...). */
  onSessionEvent: (event: SessionEvent) => void;
  /** useDpop: keys, proofs and nonces (dpop-client.ts); a family with `jkt` is refreshed and revoked with proofs. */
  dpop?: Dpop;
}

export interface RefreshRequest {
  family: string;
  /** Cache-key audience (`default` when none). */
  audience: string;
  /** Audience sent to the token endpoint, if any. */
  audienceParam?: string;
  scope: string;
  /** The returned token must have been obtained after this epoch ms (cacheMode 'off'). */
  notBefore?: number;
}

/** What a verified code exchange stores (login). */
export interface LoginCommit {
  tokens: TokenEndpointResponse;
  claims?: IdTokenClaims;
  audience: string;
  scope: string;
  /** A fresh login replaces whatever the cache held. */
  replaceSession: boolean;
  /** Random id for a new family. */
  newFamilyId: string;
  /** useDpop: the key of the code exchange, saved before the family exists and then owned by it. */
  dpopKey?: DpopKey;
}

/** The scope a refresh asks for: omitted when it is the grant, else never more than the grant (RFC 6749 §6). */
export function refreshScope(asked: string, granted: string | undefined): string | undefined {
  if (granted === undefined) return asked;
  const grant = new Set(granted.split(/\s+/).filter(Boolean));
  const narrowed = scopeKey(asked).split(' ').filter((s) => grant.has(s)).join(' ');
  return narrowed && narrowed !== scopeKey(granted) ? narrowed : undefined;
}

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
    const p = runExclusive(`rotor-auth:${this.deps.clientId}:${req.family}`, (_signal, pin) => this.exchange(req, pin), {
      timeoutMs: this.lockTimeoutMs,
      inTabOnly: this.deps.inTabOnly,
    });
    this.inflight.set(key, p);
    const done = () => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(done, done);
    return p;
  }

  private async exchange(req: RefreshRequest, pin: () => boolean): Promise<AccessEntry> {
    const { store, jwks } = this.deps;
    const epoch = this.epoch;
    const missing = () => new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    // Catch up (fail closed) and read.
    await this.flushUnsaved(req.family);
    const record = await this.markers.current(req.family);
    if (!record) throw missing();
    const cached = await store.getAccess(req.audience, req.scope); // after the catch-up: it shows the latest rotation's token
    const usable = cached?.family === req.family && obtainedAfter(cached, req.notBefore) ? cached : undefined;
    if (usable && isFresh(usable, this.deps.leeway * 1000)) return usable;
    const stillValid = usable && usable.expires_at > Date.now() ? usable : undefined;
    if (record.not_before !== undefined && record.not_before > Date.now()) {
      if (stillValid) return stillValid;
      const wait = Math.ceil((record.not_before - Date.now()) / 1000);
      throw new OAuthError('temporarily_unavailable', `Retry-After: wait ${wait} s`, 429, wait);
    }
    // Exchange: keys the ID-token check will need are fetched alongside, never after.
    if (!jwks.fresh) jwks.prefetch();
    if (!pin()) throw new TimeoutError('Refresh lock hold limit passed before sending');
    let body: Record<string, unknown>;
    try {
      body = await this.send(req, record);
    } catch (e) {
      await this.failed(req.family, record, e);
      if (stillValid && classify(e) === 'transient') return stillValid;
      throw e;
    }
    const receivedAt = await this.deps.clock.base();
    // Commit first: the rotated refresh token before anything else that can fail.
    const rt = typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : record.refresh_token;
    const rotated: FamilyRecord = { ...record, refresh_token: rt, updated_at: Date.now() };
    delete rotated.not_before;
    if (this.epoch !== epoch) return this.discard(rt, missing(), record.jkt);
    if (rt !== record.refresh_token && !(await this.save(record, rotated))) return this.discard(rt, missing(), record.jkt);
    const seq = TokenStore.seqOf(rotated) + 1;
    // The marker lock is requested now, alongside the writes (no other tab reads before this lock is released).
    const published = this.markers.publish(req.family, seq);
    const tokens = processTokenResponse(body, { requireIdToken: false });
    const entry = accessEntryFor(tokens, req.audience, req.scope, req.family);
    await store.setAccess(entry).catch(() => store.setAccess(entry)).catch(() => undefined); // the token is returned either way
    if (!(await this.save(rotated, { ...rotated, seq })) || this.epoch !== epoch) {
      await store.removeAccess(entry.audience, entry.scope, entry.access_token).catch(() => undefined);
      return this.discard(rt, missing(), record.jkt);
    }
    await published;
    if (rt !== record.refresh_token) this.deps.announce({ type: 'rotated', family: req.family });
    this.deps.onSessionEvent({ type: 'tokenRefreshed', audience: req.audience, expiresAt: entry.expires_at });
    if (tokens.id_token) await this.checkIdToken(req.family, tokens.id_token, receivedAt);
    return entry;
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
    await this.revoke(refreshToken, jkt);
    throw error;
  }

  /** RFC 7009; a failure does not stop a sign-out. */
  private async revoke(refreshToken: string, jkt?: string): Promise<void> {
    await this.sendRevocation(refreshToken, jkt).catch(() => undefined); // the family still ends here; the server's lifetimes end it there
  }

  /** RFC 7009, with a proof from the family's key when it is DPoP-bound (DpopKeyMissingError: nothing sent). */
  private async sendRevocation(token: string, jkt?: string): Promise<void> {
    const { revocation } = await this.deps.endpoints();
    if (!revocation) return;
    const run = (http?: DpopHttp) => requestRevocation({ revocationUrl: revocation, clientId: this.deps.clientId, token, timeoutMs: this.deps.httpTimeoutMs }, http);
    const dpop = this.deps.dpop;
    await (jkt && dpop ? dpop.send(await dpop.key(jkt), revocation, run) : run());
  }

  /** revokeRefreshToken(): revoke one family at the server (errors reach the caller; a gone DPoP key skips the request), then purge it here. */
  async revokeFamily(family: string): Promise<void> {
    const record = await this.deps.store.getFamily(family);
    if (!record) return;
    await this.sendRevocation(record.refresh_token, record.jkt).catch((e: unknown) => {
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

  /**
   * Check a refresh's ID token (after the commit). Deferred: keep the previous
   * claims and the token for a later check; hostile: revoke and purge.
   */
  private async checkIdToken(family: string, idToken: string, receivedAt?: number): Promise<void> {
    const { store } = this.deps;
    const session = await store.getSession();
    if (session && session.family !== family) return; // not the signed-in user's family
    try {
      const claims = await verifyIdToken(idToken, {
        issuer: (await this.deps.endpoints()).issuer,
        clientId: this.deps.clientId,
        leeway: this.deps.leeway,
        jwks: this.deps.jwks,
        clock: this.deps.clock,
        receivedAt,
      });
      if (session) checkRefreshedClaims(claims, session.claims);
      await store.setSession({ v: 1, id_token: idToken, claims, family, obtained_at: Date.now() });
    } catch (e) {
      if (classify(e) === 'deferred') {
        if (session) await store.setSession({ ...session, pending_id_token: idToken }).catch(() => undefined);
        return;
      }
      if (!(e instanceof IdTokenValidationError)) return; // storage: the claims stay as they were
      const record = await store.getFamily(family);
      if (record) await this.revoke(record.refresh_token, record.jkt);
      await this.end(family, record?.refresh_token ?? '', 'invalid_id_token', record?.jkt).catch(() => undefined);
      throw e;
    }
  }

  /** An ID token whose check was deferred: check it again now (keys or clock may allow it). */
  async recheck(): Promise<void> {
    const session = await this.deps.store.getSession();
    if (session?.pending_id_token && session.family) await this.checkIdToken(session.family, session.pending_id_token);
  }

  /** One request, and once more with the same token if the response was lost on the way back. */
  private async send(req: RefreshRequest, record: FamilyRecord): Promise<Record<string, unknown>> {
    const { token } = await this.deps.endpoints();
    const run = async (http?: DpopHttp) =>
      (
        await requestRefreshGrant({
          tokenUrl: token,
          clientId: this.deps.clientId,
          refreshToken: record.refresh_token,
          audience: req.audienceParam,
          scope: refreshScope(req.scope, record.scope),
          timeoutMs: this.deps.httpTimeoutMs,
        }, http)
      ).body;
    // DPoP-bound family: its key (gone → DpopKeyMissingError, nothing sent), a fresh proof per attempt, a DPoP answer.
    const { dpop } = this.deps;
    const key = record.jkt && dpop ? await dpop.key(record.jkt) : undefined;
    const once = () => (key ? dpop!.send(key, token, run).then(checkDpopTokenType) : run());
    try {
      return await once();
    } catch (e) {
      // No answer (network failure or timeout) although the server may have rotated: present the same token once more.
      if ((e instanceof NetworkError && e.status === undefined) || e instanceof TimeoutError) return once();
      throw e;
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
      if (revokeAll) await Promise.all(records.map((r) => (r ? this.revoke(r.refresh_token, r.jkt) : undefined)));
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
