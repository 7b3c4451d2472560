import { MissingRefreshTokenError, NetworkError, OAuthError, StorageError, TimeoutError } from './errors.js';
import type { Endpoints } from './endpoints.js';
import { checkRefreshedClaims, type IdTokenClaims } from './id-token.js';
import { hasCrossTabLocks, highestMarker, publishMarker, runExclusive } from './lock.js';
import type { TabMessage } from './tab-sync.js';
import { processTokenResponse, requestRefreshGrant } from './token-endpoint.js';
import { accessEntryFor, scopeKey, TokenStore, type AccessEntry, type FamilyRecord } from './cache/token-store.js';

/**
 * The rotation engine. Guarantees:
 * - one exchange at a time per refresh-token family (lock named per client
 *   and family, across tabs when Web Locks exist), and concurrent callers for
 *   the same (family, audience, scope) in this tab share one promise; so no two
 *   requests ever present the same refresh token;
 * - inside the lock the cache is re-read: if the wanted token was refreshed
 *   meanwhile (another caller or tab), no request is made;
 * - the cache read under the lock is not stale: storage that propagates
 *   asynchronously (Chromium's localStorage across tabs) can still show the
 *   record from before the previous holder's rotation. Each rotation bumps the
 *   family record's `seq` and, before the lock is released, publishes a marker
 *   lock `{lockName}:seq:{n}`; the next holder compares the highest marker with
 *   the record it reads and waits for storage to catch up (or fails with a
 *   transient StorageError), so it never presents a rotated refresh token;
 * - the new access token is written before the new refresh token (the family
 *   record, by compare-and-swap), so whoever reads the new refresh token also
 *   reads the new access token and makes no extra request;
 * - a lost response (fetch failed or timed out: the server may have rotated)
 *   is retried once with the same token (the server's reuse interval makes
 *   that safe);
 * - invalid_grant removes every token of the family, if the family still
 *   holds the token that failed; transient failures (network, timeout, 429,
 *   5xx) keep everything.
 */
export interface RefreshDeps {
  clientId: string;
  store: TokenStore;
  endpoints: () => Promise<Endpoints>;
  httpTimeoutMs: number;
  leewayMs: number;
  /** Memory caches are per tab: no need for cross-tab locks. */
  inTabOnly: boolean;
  /** Verify an ID token from a refresh response (no nonce). */
  verifyIdToken: (token: string) => Promise<IdTokenClaims>;
  announce: (message: TabMessage) => void;
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

/** Longest a lock holder waits for its storage to show the latest rotation (well within the lock's hold limit). */
export const STORAGE_CATCH_UP_MS = 2_000;
/** Poll interval while waiting (storage events end the wait sooner where there are any). */
const CATCH_UP_POLL_MS = 15;

export function isFresh(entry: AccessEntry, leewayMs: number, now = Date.now()): boolean {
  return entry.expires_at - leewayMs > now;
}

/** For cacheMode 'off': only a token obtained after the call started will do. */
export function obtainedAfter(entry: AccessEntry, notBefore: number | undefined): boolean {
  return notBefore === undefined || entry.obtained_at > notBefore;
}

export class RefreshEngine {
  private readonly inflight = new Map<string, Promise<AccessEntry>>();
  /** Rotation marker this tab holds per family: its seq and how to release it. */
  private readonly markers = new Map<string, { seq: number; release: () => void }>();

  constructor(private readonly deps: RefreshDeps) {}

  lockName(family: string): string {
    return `rotor-auth:${this.deps.clientId}:${family}`;
  }

  /**
   * Longest a lock holder can take (the lock's own hold limit): discovery on
   * first use, two token requests, a JWKS fetch and its one refetch, plus slack
   * (which also covers waiting up to STORAGE_CATCH_UP_MS for stale storage).
   */
  get lockTimeoutMs(): number {
    return this.deps.httpTimeoutMs * 5 + 5_000;
  }

  /** Markers exist only where locks are cross-tab. */
  private get usesMarkers(): boolean {
    return !this.deps.inTabOnly && hasCrossTabLocks();
  }

  private markerPrefix(family: string): string {
    return `${this.lockName(family)}:seq:`;
  }

  /** Stop holding this tab's rotation marker(s): of one family, or all (after sign-out). */
  releaseMarkers(family?: string): void {
    for (const [f, marker] of [...this.markers]) {
      if (family !== undefined && f !== family) continue;
      marker.release();
      this.markers.delete(f);
    }
  }

  /** Hold the marker for `seq` (called with the family lock held, before releasing it); drop this tab's older one. */
  private async publish(family: string, seq: number): Promise<void> {
    const release = await publishMarker(`${this.markerPrefix(family)}${seq}`);
    this.releaseMarkers(family);
    this.markers.set(family, { seq, release });
  }

  /**
   * The family record as of the latest rotation (called with the family lock
   * held). If a marker says a rotation stored a newer seq than this storage
   * shows, wait for the storage to catch up; give up with StorageError (nothing
   * sent, nothing discarded) after STORAGE_CATCH_UP_MS.
   */
  private async currentFamily(family: string): Promise<FamilyRecord | undefined> {
    const { store } = this.deps;
    const record = await store.getFamily(family);
    if (!this.usesMarkers) return record;
    if (!record) {
      this.releaseMarkers(family); // signed out or family removed
      return undefined;
    }
    const wanted = await highestMarker(this.markerPrefix(family));
    const own = this.markers.get(family);
    if (own && wanted !== undefined && own.seq < wanted) this.releaseMarkers(family); // another tab holds a newer one
    if (wanted === undefined || TokenStore.seqOf(record) >= wanted) return record;
    return this.waitForSeq(family, wanted);
  }

  private async waitForSeq(family: string, wanted: number): Promise<FamilyRecord | undefined> {
    const { store } = this.deps;
    const target = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
    let wake: () => void = () => undefined;
    let expired = false;
    // Timers, not Date.now(): the wait is bounded like the lock's own hold limit.
    const limit = setTimeout(() => {
      expired = true;
      wake();
    }, STORAGE_CATCH_UP_MS);
    const onStorage = () => wake();
    target.addEventListener?.('storage', onStorage);
    try {
      for (;;) {
        const record = await store.getFamily(family);
        if (!record || TokenStore.seqOf(record) >= wanted) return record;
        if (expired) {
          throw new StorageError(
            `The token cache still shows refresh-token family ${family} at seq ${TokenStore.seqOf(record)} after ${STORAGE_CATCH_UP_MS} ms, ` +
              `but another tab stored seq ${wanted}: storage has not caught up, try again`,
          );
        }
        await new Promise<void>((resolve) => {
          const poll = setTimeout(resolve, CATCH_UP_POLL_MS);
          wake = () => {
            clearTimeout(poll);
            resolve();
          };
        });
      }
    } finally {
      clearTimeout(limit);
      target.removeEventListener?.('storage', onStorage);
    }
  }

  refresh(req: RefreshRequest): Promise<AccessEntry> {
    // cacheMode 'off' callers share among themselves, not with a plain call that started earlier.
    const key = `${req.family}\n${req.audience}\n${scopeKey(req.scope)}${req.notBefore === undefined ? '' : '\noff'}`;
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const p = runExclusive(this.lockName(req.family), () => this.exchange(req), {
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

  private async exchange(req: RefreshRequest): Promise<AccessEntry> {
    const { store } = this.deps;
    const record = await this.currentFamily(req.family);
    if (!record) throw new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    const cached = await store.getAccess(req.audience, req.scope);
    if (cached?.family === req.family && isFresh(cached, this.deps.leewayMs) && obtainedAfter(cached, req.notBefore)) {
      return cached;
    }
    const presented = record.refresh_token;
    let body: Record<string, unknown>;
    try {
      // Ask for no more than was granted (RFC 6749 §6). Interim (interop branch): the rotation work owns this.
      const granted = cached?.granted_scope?.split(' ');
      body = await this.send(granted ? { ...req, scope: req.scope.split(' ').filter((s) => granted.includes(s)).join(' ') } : req, presented);
    } catch (e) {
      if (e instanceof OAuthError && e.error === 'invalid_grant') {
        if (await store.removeFamily(req.family, presented)) {
          this.releaseMarkers(req.family);
          this.deps.announce({ type: 'family_removed', family: req.family });
        }
      }
      throw e;
    }
    const tokens = processTokenResponse(body, { requireIdToken: false });
    const session = await store.getSession();
    const ownsSession = !session || session.family === req.family;
    let claims: IdTokenClaims | undefined;
    if (tokens.id_token) {
      claims = await this.deps.verifyIdToken(tokens.id_token);
      if (session && ownsSession) checkRefreshedClaims(claims, session.claims);
    }
    const missing = () => new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    // Signed out (or family removed) while the request was in flight: cache nothing.
    const before = await store.getFamily(req.family);
    if (!before) throw missing();
    const entry = accessEntryFor(tokens, req.audience, req.scope, req.family);
    // Access entry first, family record second: a tab whose storage already shows
    // the new refresh token also shows this access token (same-tab write order).
    await store.setAccess(entry);
    let seq: number | false = false;
    if (before.refresh_token === presented) {
      seq = await store.casFamily(req.family, presented, tokens.refresh_token ?? presented);
      if (seq === false && !(await store.getFamily(req.family))) {
        await store.removeAccess(entry.audience, entry.scope, entry.access_token);
        throw missing();
      }
    }
    // (A family that holds another token than the one presented cannot happen under the
    // lock; as before, the access token is kept and the record left alone.)
    if (claims && tokens.id_token && ownsSession) {
      await store.setSession({ v: 1, id_token: tokens.id_token, claims, family: req.family, obtained_at: entry.obtained_at });
    }
    // Publish the rotation before the lock is released (see currentFamily).
    if (seq !== false && this.usesMarkers) await this.publish(req.family, seq);
    if (seq !== false && tokens.refresh_token && tokens.refresh_token !== presented) {
      this.deps.announce({ type: 'rotated', family: req.family });
    }
    return entry;
  }

  /** One request, and once more with the same token if the response was lost on the way back. */
  private async send(req: RefreshRequest, refreshToken: string): Promise<Record<string, unknown>> {
    const { token } = await this.deps.endpoints();
    const once = async () =>
      (
        await requestRefreshGrant({
          tokenUrl: token,
          clientId: this.deps.clientId,
          refreshToken,
          audience: req.audienceParam,
          scope: req.scope,
          timeoutMs: this.deps.httpTimeoutMs,
        })
      ).body;
    try {
      return await once();
    } catch (e) {
      // No answer (network failure or timeout) although the server may have rotated: present the same token once more.
      if ((e instanceof NetworkError && e.status === undefined) || e instanceof TimeoutError) return once();
      throw e;
    }
  }
}
