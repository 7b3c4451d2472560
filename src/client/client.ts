import { completeAuthorization, prepareAuthorization, type FlowContext } from '../flows/authorize.js';
import { parseCallbackUrl, withoutCallbackParams } from '../flows/callback.js';
import { countRedirectLogin } from '../flows/loop-breaker.js';
import { endpointResolver, type Endpoints } from '../protocol/endpoints.js';
import { AuthenticationError, CallbackReplayedError, ConfigurationError, GenericError, IdTokenValidationError, MissingRefreshTokenError, PopupOpenError, StateMismatchError } from '../errors.js';
import { NO_REFRESH_TOKEN_HINT } from '../flows/authorize.js';
import { isTransient } from '../protocol/classify.js';
import { createClock } from '../protocol/clock.js';
import type { SessionEvent as FamilyEvent } from '../session/family-types.js';
import { listen, type Listeners, type SessionEvent, type SessionEventListener, type SessionEventType } from '../session/events.js';
import { familyLock, type FamilyLock } from '../session/family-lock.js';
import { jwksCache, type IdTokenClaims } from '../protocol/id-token.js';
import { runExclusive } from '../lock.js';
import { buildLogoutUrl, type LogoutOptions } from '../flows/logout.js';
import { normalizeScope, resolveOptions, type AuthClientOptions, type AuthorizationParams, type ResolvedOptions } from './options.js';
import { seconds } from '../shape.js';
import { openPopup, runPopup } from '../flows/popup.js';
import { runIframe } from '../flows/silent-iframe.js';
import { dispatch, openTabSync, type TabSync } from '../session/tab-sync.js';
import { transactionStore, type TransactionStore } from '../flows/transaction.js';
import { userFromClaims, userInfoLoader, type UserInfoLoader } from '../protocol/userinfo.js';
import { authorizedGet, dpopFor, dpopOn, type Dpop, sessionKey, type ProofParams } from '../dpop/client.js';
import { assignLocation, SIGN_IN_AGAIN, withTimeout } from './util.js';
import { backend } from '../cache/backends.js';
import { fromOtherTab } from '../session/other-tab.js';
import { createFetcher, type Fetcher, type FetcherOptions } from './fetcher.js';
import { lifecycle, type SessionExpiry } from './lifecycle.js';
import { activityClock, retryWhenOnline, watchWake } from './wake.js';
import { autoRefresh } from './auto-refresh.js';
import { DEFAULT_AUDIENCE, isFresh, obtainedAfter, tokenStore, type TokenStore, type AccessEntry } from '../cache/token-store.js';

import type {
  GetTokenSilentlyOptions,
  PopupConfigOptions,
  PopupLoginOptions,
  RedirectLoginOptions,
  RedirectLoginResult,
  TokenResponse,
  User,
} from './types.js';

/** One silent token request: the cache key's audience, the audience sent (if any), the scope, cacheMode 'off'. */
interface SilentRequest {
  key: string;
  audience: string | undefined;
  scope: string;
  notBefore: number | undefined;
  options: GetTokenSilentlyOptions;
}

/**
 * The SDK's client (auth0-spa-js `Auth0Client`): sign-in with Authorization Code + PKCE, tokens
 * kept fresh with rotating refresh tokens, one refresh at a time across tabs. Prefer
 * `createAuthClient(options)`, which also runs `checkSession()`.
 */
export class AuthClient {
  private readonly options: ResolvedOptions;
  private userInfo?: UserInfoLoader;
  private readonly endpoints: () => Promise<Endpoints>;
  private readonly store: TokenStore;
  private readonly flow: FlowContext;
  private readonly lock: FamilyLock;
  private readonly transactions: TransactionStore;
  private readonly tabs: TabSync;
  private readonly events: Listeners = new Set();
  private readonly known = new Map<string, string>();
  /** This tab told its app the session ended (`signedOut`), and no session has started since. */
  private ended = false;
  private readonly dpop?: Dpop;
  private readonly life: ReturnType<typeof lifecycle>;
  private readonly auto?: ReturnType<typeof autoRefresh>;
  private readonly stopWaking: () => void;
  private readonly retryOnline = retryWhenOnline();

  /** Resolves and checks the options (ConfigurationError naming the fix); makes no request. */
  constructor(options: AuthClientOptions) {
    const o = (this.options = resolveOptions(options));
    const timeoutMs = o.httpTimeoutInSeconds * 1000;
    const inTabOnly = !o.cache && o.cacheLocation === 'memory';
    const endpoints = (this.endpoints = endpointResolver(o, timeoutMs));
    const store = (this.store = tokenStore(backend(o), o.clientId));
    const jwks = jwksCache(endpoints, timeoutMs, store);
    const clock = createClock(o.nowProvider);
    const dpop = (this.dpop = dpopFor(o, clock, inTabOnly));
    const tabs = (this.tabs = openTabSync(`rotor-auth:${o.clientId}`));
    const emit = (e: SessionEvent) => this.emit(e);
    const lock = (this.lock = familyLock({
      ...o, // clientId, leeway (verifyIdToken reads no other option: nonce and maxAge are not options)
      store,
      endpoints,
      httpTimeoutMs: timeoutMs,
      inTabOnly,
      jwks,
      clock,
      announce: tabs.post, // a closure: needs no `this`
      onSessionEvent: (e) => this.fromThisTab(e),
      dpop,
    }));
    const activity = activityClock(o.clientId);
    const idleMs = o.idleTimeoutInSeconds * 1000;
    const idle = idleMs ? { ms: idleMs, lastActive: activity.lastActive, signOut: () => this.idleOut() } : undefined;
    this.life = lifecycle(store, lock, emit, o.sessionExpiringLeadInSeconds * 1000, idle);
    const key = o.audience ?? DEFAULT_AUDIENCE;
    const expiresAt = async () => ((await store.getSession()) ? (await store.getAccess(key, o.scope))?.expires_at : undefined);
    if (o.autoRefresh) this.auto = autoRefresh(o.clientId, o.leeway * 1000, expiresAt, () => this.getTokenSilently({ cacheMode: 'off' }));
    this.stopWaking = watchWake(() => void this.wake().catch(() => undefined), activity.touch);
    this.flow = { options: o, endpoints, jwks, clock, commit: (c) => lock.commitLogin(c), dpop, timeoutMs };
    this.transactions = transactionStore(o.clientId);
    tabs.subscribe((m) => void fromOtherTab(m, inTabOnly, store, lock, emit).catch(() => undefined));
  }

  /**
   * Every session outcome (this tab's and other tabs') goes to the `on()` listeners, one `signedOut` per
   * session: tabs whose idle timeouts end together each sign out, and each hears the other's notice too
   * (`other_tab`); each tells its app once.
   */
  private emit(e: SessionEvent): void {
    if (e.type === 'signedIn') this.ended = false;
    if (e.type === 'signedOut') {
      if (this.ended) return;
      this.ended = true;
    }
    dispatch(this.events, e);
    this.life.onEvent(e); // the session's end may have moved
    if (e.type !== 'sessionExpiring') this.auto?.schedule(); // and the access token's expiry
  }

  /** A session event of this tab's family lock: to the app, and to the other tabs. */
  private fromThisTab(e: FamilyEvent): void {
    this.emit(e);
    // signedOut travels as logout / family_removed; a refresh reaches other tabs a task later, off the caller's path
    if (e.type === 'tokenRefreshed') setTimeout(() => this.tabs.post(e));
    else if (e.type !== 'signedOut') this.tabs.post(e);
  }

  /** This tab signed out: tell the other tabs (a memory cache's tabs then revoke theirs too) and the app. */
  private signedOut(reason: string): void {
    this.tabs.post({ type: 'logout' });
    this.emit({ type: 'signedOut', reason });
  }

  /**
   * Listens to session events; returns the function that removes the listener.
   * - `signedIn`: a login completed, in this tab or another tab sharing its storage.
   * - `signedOut` `{ reason }`: the session ended and its tokens left the cache (`logout`,
   *   `other_tab`, `invalid_grant`, `login_required`, ...; see SignedOutReason).
   * - `tokenRefreshed` `{ audience, expiresAt }`: a refresh stored a new access token.
   * A listener that throws is reported to the page (`reportError`) and never breaks the SDK.
   * @example const off = client.on('signedOut', ({ reason }) => showLogin(reason));
   */
  on<T extends SessionEventType>(type: T, listener: SessionEventListener<T>): () => void {
    return listen(this.events, type, listener);
  }

  /** Releases this client's BroadcastChannel, event listeners and rotation-marker locks; no timer keeps running. Call it when the client is no longer used. */
  close(): void {
    this.tabs.close();
    this.events.clear();
    this.life.close();
    this.auto?.close();
    this.stopWaking();
    this.lock.markers.release();
  }

  /**
   * Redirects to the authorization server's login (PKCE S256, `state`, `nonce`). `appState` comes
   * back from `handleRedirectCallback()`; `openUrl` replaces `window.location.assign(url)`.
   * Rejects with LoginLoopError, without navigating, past `loginLoopLimit` logins from this tab within `loginLoopWindowInSeconds`.
   */
  async loginWithRedirect<TAppState = unknown>(options: RedirectLoginOptions<TAppState> = {}): Promise<void> {
    countRedirectLogin(this.options.clientId, this.options.loginLoopLimit, this.options.loginLoopWindowInSeconds * 1000);
    const { url, tx } = await prepareAuthorization(this.flow, options.authorizationParams, undefined, options.appState);
    this.transactions.save(tx);
    await (options.openUrl ?? assignLocation)(url);
  }

  /**
   * Completes a redirect login on the callback page (default URL: `location.href`): checks `state`
   * and the RFC 9207 `iss`, exchanges the code, verifies the ID token, then caches the tokens.
   * Without `url` (and unless `cleanCallbackUrl: false`) the response leaves the address bar first.
   * Rejects with AuthenticationError (the server's error, `appState` kept), StateMismatchError
   * (CallbackReplayedError: this callback was handled already), IdTokenValidationError, OAuthError,
   * NetworkError or TimeoutError.
   */
  async handleRedirectCallback<TAppState = unknown>(url?: string): Promise<RedirectLoginResult<TAppState>> {
    const page = globalThis as { location?: Location; history?: History };
    const href = url ?? page.location?.href;
    if (!href) throw new ConfigurationError('No window.location: pass the callback url');
    const response = parseCallbackUrl(href);
    // a reload now finds no spent code to replay
    if (!url && this.options.cleanCallbackUrl) page.history?.replaceState(page.history.state, '', withoutCallbackParams(href));
    const tx = this.transactions.get(response.state);
    if (!tx) throw this.transactions.spent(response.state) ? new CallbackReplayedError() : new StateMismatchError('No login transaction for this state');
    try {
      await completeAuthorization(this.flow, tx, response, true);
    } finally {
      this.transactions.remove(tx.state);
    }
    return { appState: tx.appState as TAppState };
  }

  /**
   * Signs in through a popup (`response_mode=web_message`). Call it from a click handler, or open
   * the popup yourself and pass it as `config.popup`. Timeout: `config.timeoutInSeconds`, default
   * `authorizeTimeoutInSeconds` (60). Rejects with PopupOpenError, PopupTimeoutError, PopupCancelledError, ...
   */
  async loginWithPopup(options: PopupLoginOptions = {}, config: PopupConfigOptions = {}): Promise<void> {
    await this.popupFlow(options.authorizationParams, config, true);
  }

  /** As loginWithPopup, for an access token (e.g. another audience that needs consent); resolves the access token. */
  async getTokenWithPopup(options: PopupLoginOptions = {}, config: PopupConfigOptions = {}): Promise<string> {
    return (await this.popupFlow(options.authorizationParams, config, false)).access_token;
  }

  /** Opens the popup synchronously (an async function runs up to its first await at once), then runs the code flow through it. */
  private async popupFlow(params: AuthorizationParams | undefined, config: PopupConfigOptions, replaceSession: boolean): Promise<AccessEntry> {
    const popup = config.popup ?? openPopup();
    if (!popup) throw new PopupOpenError();
    const timeoutInSeconds = config.timeoutInSeconds ?? this.options.authorizeTimeoutInSeconds;
    // runPopup closes it whichever way it ends; this closes it when the URL could not be built
    return this.webMessageFlow(params, timeoutInSeconds, replaceSession, popup).catch((e: unknown) => {
      popup.close();
      throw e;
    });
  }

  /** The code flow over `response_mode=web_message` in `popup`, else in a `prompt=none` iframe: build the URL, run it, complete. */
  private async webMessageFlow(params: AuthorizationParams | undefined, timeoutInSeconds: number, replaceSession: boolean, popup?: Window): Promise<AccessEntry> {
    const { url, tx } = await prepareAuthorization(this.flow, params, { ...(!popup && { prompt: 'none' }), response_mode: 'web_message' });
    // the runner takes the origin its answer must come from from the authorize URL, and the state from tx
    const opts = { ...tx, timeoutInSeconds };
    return completeAuthorization(this.flow, tx, await (popup ? runPopup(popup, url, opts) : runIframe(url, opts)), replaceSession);
  }

  /**
   * An access token for (audience, scope): from the cache unless it expires within `leeway`, else
   * by refresh token (one exchange per refresh-token family at a time, across tabs), or the iframe.
   * `cacheMode: 'off'` forces a refresh; `'cache-only'` never uses the network and resolves
   * `undefined` when nothing is cached; `detailedResponse: true` resolves a TokenResponse.
   * Rejects with MissingRefreshTokenError or OAuthError `invalid_grant` (sign in again: the family's
   * tokens are gone), or a transient NetworkError/TimeoutError (nothing discarded).
   */
  getTokenSilently(options: GetTokenSilentlyOptions & { cacheMode: 'cache-only'; detailedResponse: true }): Promise<TokenResponse | undefined>;
  getTokenSilently(options: GetTokenSilentlyOptions & { detailedResponse: true }): Promise<TokenResponse>;
  getTokenSilently(options: GetTokenSilentlyOptions & { cacheMode: 'cache-only' }): Promise<string | undefined>;
  getTokenSilently(options?: GetTokenSilentlyOptions & { cacheMode?: 'on' | 'off'; detailedResponse?: false }): Promise<string>;
  getTokenSilently(options?: GetTokenSilentlyOptions): Promise<string | TokenResponse | undefined>;
  async getTokenSilently(options: GetTokenSilentlyOptions = {}): Promise<string | TokenResponse | undefined> {
    const { cacheMode } = options; // 'on' when absent: only 'off' and 'cache-only' are looked for
    const audience = options.authorizationParams?.audience ?? this.options.audience;
    const asked = options.authorizationParams?.scope;
    // options.scope is normalised already: the cache-hit path (no scope asked) does no scope work (bench: cache hit).
    const scope = asked === undefined ? this.options.scope : normalizeScope(this.options.scope, asked);
    const key = audience ?? DEFAULT_AUDIENCE;
    const notBefore = cacheMode === 'off' ? Date.now() : undefined;
    let entry = notBefore ? undefined : await this.store.peekAccess(key, scope);
    if (!entry || !isFresh(entry, this.options.leeway * 1000)) {
      if (cacheMode === 'cache-only') return undefined;
      const limit = seconds(options as never, 'timeoutInSeconds', 60); // checked before anything starts (ConfigurationError)
      entry = await withTimeout(this.silent({ key, audience, scope, notBefore, options }), limit).catch((e: unknown) => {
        this.retryOnline(e, () => this.getTokenSilently(options)); // offline: once more when `online` fires
        throw e;
      });
    }
    if (!options.detailedResponse) return entry.access_token;
    const session = await this.store.getSession();
    return {
      access_token: entry.access_token,
      id_token: session?.id_token,
      token_type: entry.token_type,
      expires_in: Math.max(0, Math.floor((entry.expires_at - Date.now()) / 1000)),
      scope: entry.granted_scope ?? entry.scope,
    };
  }

  /** The idle timeout passed (idleTimeoutInSeconds): revoke and sign out here; the other tabs follow (`logout` notice). */
  private async idleOut(): Promise<void> {
    await this.lock.signOut(true);
    this.signedOut('idle');
  }

  /** The tab woke up (wake.ts): re-read the session from storage; with `autoRefresh`, refresh a token that expired meanwhile. */
  private async wake(): Promise<void> {
    this.known.clear(); // another tab may have rotated or signed out meanwhile
    await this.life.run();
    await this.lock.recheck().catch(() => undefined);
    if (this.options.autoRefresh && (await this.isAuthenticated())) await this.getTokenSilently();
  }

  /** Refresh token first; the iframe when refresh tokens are off, or as the opt-in fallback. */
  private async silent(request: SilentRequest): Promise<AccessEntry> {
    const { key, audience, scope, notBefore, options: o } = request;
    if (this.options.useRefreshTokens) {
      // The family this (audience, scope) refreshed with last time: no lookup before the lock (checked under it).
      const id = `${key} ${scope}`;
      const known = this.known.get(id);
      const family = known ?? (await this.familyFor(key, scope));
      try {
        // The session is signed in without a refresh token: the login returned none.
        if (!family) throw new MissingRefreshTokenError(key, scope, (await this.store.getSession()) ? NO_REFRESH_TOKEN_HINT : undefined);
        const entry = await this.lock.refresh({ family, audience: key, audienceParam: audience, scope, notBefore });
        this.known.set(id, family);
        return entry;
      } catch (e) {
        this.known.delete(id);
        if (known && e instanceof MissingRefreshTokenError) return this.silent(request); // gone: look it up again
        if (!this.options.useRefreshTokensFallback || !(e instanceof GenericError && SIGN_IN_AGAIN.includes(e.error))) throw e;
      }
    }
    // One iframe at a time per client; waiters re-read the cache first.
    const timeoutInSeconds = o.timeoutInSeconds ?? this.options.authorizeTimeoutInSeconds;
    return runExclusive(
      `rotor-auth:${this.options.clientId}:iframe`,
      async () => {
        const cached = await this.store.getAccess(key, scope);
        if (cached && isFresh(cached, this.options.leeway * 1000) && obtainedAfter(cached, notBefore)) return cached;
        const params = { ...o.authorizationParams, audience, scope };
        return this.webMessageFlow(params, timeoutInSeconds, false).catch(async (e: unknown) => {
          if (e instanceof AuthenticationError && SIGN_IN_AGAIN.includes(e.error)) {
            const had = await this.store.getSession().catch(() => undefined);
            await this.lock.signOut(false);
            if (had) this.signedOut(e.error);
          }
          throw iframeHint(e);
        });
      },
      (timeoutInSeconds + 5) * 1000 + this.flow.timeoutMs * 3,
      { inTabOnly: true },
    );
  }

  /** The family of the (audience, scope) entry if it still exists, else the signed-in session's. */
  private async familyFor(key: string, scope: string): Promise<string | undefined> {
    const [entry, session] = await Promise.all([this.store.getAccess(key, scope), this.store.storedSession()]);
    const own = entry?.family;
    if (own && own !== session?.family && !(await this.store.getFamily(own))) return session?.family;
    return own ?? session?.family;
  }

  /**
   * The signed-in user's claims from the verified ID token (protocol claims left out), or
   * `undefined` when signed out. With `loadUserInfo: true`, the userinfo response is merged over
   * them (fetched with the access token once per sign-in; UserInfoError when its `sub` differs).
   */
  async getUser<TUser extends User = User>(): Promise<TUser | undefined> {
    await this.lock.recheck().catch(() => undefined);
    const session = await this.store.getSession();
    if (!session) return undefined;
    const user = userFromClaims(session.claims);
    if (!this.options.loadUserInfo) return user as TUser;
    this.userInfo ??= userInfoLoader(this.endpoints, async (url) =>
      authorizedGet(url, await this.getTokenSilently({ detailedResponse: true }), this.flow.timeoutMs, this.dpop, this.store),
    );
    // the loader refuses a userinfo `sub` other than user.sub, so the merged `sub` is the ID token's
    return { ...user, ...(await this.userInfo(session.family ?? session.id_token, user.sub)) } as TUser;
  }

  /** Every claim of the verified ID token (`__raw` is the token itself), or `undefined` when signed out. */
  async getIdTokenClaims(): Promise<IdTokenClaims | undefined> {
    await this.lock.recheck().catch(() => undefined);
    return (await this.store.getSession())?.claims;
  }

  /** Whether this client holds a signed-in session (false after logout, `invalid_grant`, or past the session's end). No network. */
  async isAuthenticated(): Promise<boolean> {
    const session = await this.store.getSession();
    return !!session && !(session.family && (await this.lock.ended(session.family)));
  }

  /** When the signed-in session ends (`{ absoluteExpiresAt }`, epoch ms; `{}` when unknown or signed out). No network. */
  getSessionExpiry(): Promise<SessionExpiry> {
    return this.life.expiry();
  }

  /** Startup check: answers from the cache without network when it can; "sign in again" and transient errors are swallowed. */
  async checkSession(): Promise<void> {
    try {
      const session = await this.store.getSession();
      await this.lock.recheck();
      void this.life.run(); // sessionExpiring / the session's end, for a session already stored
      if (session || !this.options.useRefreshTokens || this.options.useRefreshTokensFallback) await this.getTokenSilently();
    } catch (e) {
      // Sign in again, transient or deferred (the session stays), or a hostile ID token (the session has already ended).
      if (e instanceof GenericError && (SIGN_IN_AGAIN.includes(e.error) || isTransient(e) || e instanceof IdTokenValidationError)) return;
      throw e;
    }
  }

  /** Revokes the refresh token of `audience` (default: the client's) at the server (with a DPoP proof when bound) and forgets it here. */
  async revokeRefreshToken(options: { audience?: string } = {}): Promise<void> {
    const family = await this.familyFor(options.audience ?? this.options.audience ?? DEFAULT_AUDIENCE, this.options.scope);
    if (family) await this.lock.revokeFamily(family);
  }

  /** The options the client runs with (auth0-spa-js 2.27). */
  getConfiguration(): Readonly<ResolvedOptions> {
    return this.options;
  }

  /** A DPoP proof signed with the session's key (`useDpop`), dated on the SDK clock. DpopKeyMissingError without a bound session. */
  async generateDpopProof(p: ProofParams): Promise<string> {
    return dpopOn(this.dpop).proof(await sessionKey(this.dpop, this.store), p);
  }

  /** The stored DPoP nonce of the authorization server, or of the resource `id`. */
  getDpopNonce(id?: string): Promise<string | undefined> {
    return dpopOn(this.dpop).nonces.get(id);
  }

  setDpopNonce(nonce: string, id?: string): Promise<void> {
    return dpopOn(this.dpop).nonces.set(nonce, id);
  }

  /**
   * `fetchWithAuth(input, init?, { audience?, scope? })`: fetch with the access token (`Bearer`, or `DPoP` + proof),
   * one retry on the resource's `use_dpop_nonce`, one forced refresh + retry on a 401 `invalid_token`.
   */
  createFetcher(options?: FetcherOptions): Fetcher {
    return createFetcher(
      {
        getTokenSilently: (o) => this.getTokenSilently(o),
        generateDpopProof: (p) => this.generateDpopProof(p),
        getDpopNonce: (id) => this.getDpopNonce(id),
        setDpopNonce: (nonce, id) => this.setDpopNonce(nonce, id),
        dropDpopNonce: async (id) => this.dpop?.nonces.drop(id),
      },
      options,
    );
  }

  /**
   * Revokes every refresh token (RFC 7009; even while a refresh is in flight: its result is revoked,
   * not stored), clears the cache, tells other tabs, then redirects to the end-session endpoint
   * (Auth0 `/v2/logout`, or the provider's `end_session_endpoint` with `id_token_hint`).
   * `openUrl: false` skips the redirect.
   */
  async logout(options: LogoutOptions = {}): Promise<void> {
    const idToken = (await this.store.getSession().catch(() => undefined))?.id_token;
    const needsNetwork = options.openUrl !== false || (await this.store.families().catch(() => [''])).length > 0;
    let failure: unknown;
    const endpoints = needsNetwork ? await this.endpoints().catch((e: unknown) => void (failure = e)) : undefined; // still sign out locally
    await this.lock.signOut(!!endpoints);
    this.signedOut('logout');
    if (options.openUrl === false) return;
    if (!endpoints) throw failure;
    const url = buildLogoutUrl(endpoints, this.options.clientId, options, idToken);
    if (url) await (options.openUrl ?? assignLocation)(url);
  }
}

/** Appended to an iframe `login_required` (issue 26): why a signed-in user gets it, and the way out. */
const IFRAME_HINT =
  ' (silent authentication in a hidden iframe: the browser may block the authorization server\'s third-party cookies;' +
  ' use refresh tokens instead, useRefreshTokens: true, the default)';
const iframeHint = (e: unknown): unknown =>
  e instanceof AuthenticationError && e.error === 'login_required' ? new AuthenticationError(e.error, `${e.error_description}${IFRAME_HINT}`, e.state, e.appState) : e;

/** Creates a client and runs `checkSession()` (auth0-spa-js `createAuth0Client`). Rejects with ConfigurationError on bad options. */
export async function createAuthClient(options: AuthClientOptions): Promise<AuthClient> {
  const client = new AuthClient(options);
  await client.checkSession();
  return client;
}
