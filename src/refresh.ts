import { MissingRefreshTokenError, NetworkError, OAuthError, TimeoutError } from './errors.js';
import type { Endpoints } from './endpoints.js';
import { checkRefreshedClaims, type IdTokenClaims } from './id-token.js';
import { runExclusive } from './lock.js';
import type { TabMessage } from './tab-sync.js';
import { processTokenResponse, requestRefreshGrant } from './token-endpoint.js';
import { scopeKey, type AccessEntry, type TokenStore } from './cache/token-store.js';

/**
 * The rotation engine. Guarantees:
 * - one exchange at a time per refresh-token family (lock named per client
 *   and family, across tabs when Web Locks exist), and concurrent callers for
 *   the same (family, audience, scope) in this tab share one promise; so no two
 *   requests ever present the same refresh token;
 * - inside the lock the cache is re-read: if the wanted token was refreshed
 *   meanwhile (another caller or tab), no request is made;
 * - the new refresh token replaces the presented one by compare-and-swap;
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

export function isFresh(entry: AccessEntry, leewayMs: number, now = Date.now()): boolean {
  return entry.expires_at - leewayMs > now;
}

/** For cacheMode 'off': only a token obtained after the call started will do. */
export function obtainedAfter(entry: AccessEntry, notBefore: number | undefined): boolean {
  return notBefore === undefined || entry.obtained_at > notBefore;
}

export class RefreshEngine {
  private readonly inflight = new Map<string, Promise<AccessEntry>>();

  constructor(private readonly deps: RefreshDeps) {}

  lockName(family: string): string {
    return `rotor-auth:${this.deps.clientId}:${family}`;
  }

  /**
   * Longest a lock holder can take (the lock's own hold limit): discovery on
   * first use, two token requests, a JWKS fetch and its one refetch, plus slack.
   */
  get lockTimeoutMs(): number {
    return this.deps.httpTimeoutMs * 5 + 5_000;
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
    const record = await store.getFamily(req.family);
    if (!record) throw new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    const cached = await store.getAccess(req.audience, req.scope);
    if (cached?.family === req.family && isFresh(cached, this.deps.leewayMs) && obtainedAfter(cached, req.notBefore)) {
      return cached;
    }
    const presented = record.refresh_token;
    let body: Record<string, unknown>;
    try {
      body = await this.send(req, presented);
    } catch (e) {
      if (e instanceof OAuthError && e.error === 'invalid_grant') {
        if (await store.removeFamily(req.family, presented)) this.deps.announce({ type: 'family_removed', family: req.family });
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
    const swapped = await store.casFamily(req.family, presented, tokens.refresh_token ?? presented);
    if (!swapped && !(await store.getFamily(req.family))) {
      // Signed out (or family removed) while the request was in flight: cache nothing.
      throw new MissingRefreshTokenError(req.audienceParam ?? req.audience, req.scope);
    }
    const now = Date.now();
    const entry: AccessEntry = {
      v: 1,
      audience: req.audience,
      scope: req.scope,
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      expires_at: now + tokens.expires_in * 1000,
      obtained_at: now,
      family: req.family,
    };
    if (tokens.scope !== undefined) entry.granted_scope = tokens.scope;
    await store.setAccess(entry);
    if (claims && tokens.id_token && ownsSession) {
      await store.setSession({ v: 1, id_token: tokens.id_token, claims, family: req.family, obtained_at: now });
    }
    if (swapped && tokens.refresh_token && tokens.refresh_token !== presented) {
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
