import type { Cache } from '../cache/cache.js';
import { HTTP_URL, must, obj, seconds } from '../shape.js';
import { BACKENDS } from '../cache/backends.js';
import { effectiveScope, type AuthorizationParams, type ClientAuthorizationParams } from '../protocol/scope.js';
import { KNOWN, PARAMS_OPTIONS, optionHint, bad, bool, text, urlish, baseScope } from './options-compat.js';

export type { AuthorizationParams, ClientAuthorizationParams } from '../protocol/scope.js';


/** Where tokens are kept: `'memory'` (default, per tab), `'localstorage'` or `'indexeddb'` (shared by tabs, survive reloads). */
export type CacheLocation = 'memory' | 'localstorage' | 'indexeddb';

/**
 * Options of createAuthClient / new AuthClient. Names and shapes follow auth0-spa-js 2.27, so its
 * configurations are accepted; options that only make sense inside auth0-spa-js are accepted and
 * have no effect (README, "Migrating from auth0-spa-js", lists each).
 */
export interface AuthClientOptions {
  /**
   * The authorization server: `host[:port]` (https is assumed) or a full `http(s)://` origin.
   * Endpoints are Auth0's paths under it (`/authorize`, `/oauth/token`, `/oauth/revoke`,
   * `/v2/logout`, `/userinfo`, `/.well-known/jwks.json`). Give `domain`, `issuer`, or both.
   */
  domain?: string;
  /**
   * Alone: the OpenID provider's issuer URL; endpoints come from OIDC discovery
   * (`{issuer}/.well-known/openid-configuration`, fetched once).
   * With `domain` (auth0-spa-js semantics): only the expected `iss` of ID tokens and authorization
   * responses, e.g. a custom domain's tenant; a bare host means `https://{host}/`.
   * Default: `https://{domain}/`.
   */
  issuer?: string;
  /** The public (SPA) client's id, as registered with the authorization server. Required. */
  clientId: string;
  /** Default parameters of every /authorize request (and `audience`/`scope` of token requests). Default `{}`. */
  authorizationParams?: ClientAuthorizationParams;
  /** Where tokens live. Default `'memory'`. Ignored when `cache` is given. */
  cacheLocation?: CacheLocation;
  /** Your own token store (auth0-spa-js `ICache` shape: get/set/remove, optional allKeys). Overrides `cacheLocation`. */
  cache?: Cache;
  /**
   * Keep the session with rotating refresh tokens at the token endpoint (adds `offline_access`).
   * Default **`true`** (auth0-spa-js: false).
   */
  useRefreshTokens?: boolean;
  /**
   * When there is no refresh token or it is rejected, try a hidden `prompt=none` iframe
   * (needs third-party cookies). Default `false`.
   */
  useRefreshTokensFallback?: boolean;
  /** Seconds the popup and the silent iframe may take. Must be > 0. Default `60`. */
  authorizeTimeoutInSeconds?: number;
  /** Seconds each request to the authorization server may take. Must be > 0. Default `10`. */
  httpTimeoutInSeconds?: number;
  /**
   * Seconds of clock skew allowed in ID-token time checks; access tokens that expire within it are
   * refreshed early. Must be >= 0. Default `60`.
   */
  leeway?: number;
  /**
   * `getUser()` also loads the userinfo endpoint (with the access token) and merges its claims over
   * the ID token's, once per sign-in; its `sub` must equal the ID token's (`UserInfoError` otherwise).
   * For providers that put profile claims only in userinfo (OIDC Core 5.4). Default `false`.
   */
  loadUserInfo?: boolean;
  /**
   * auth0-spa-js: refresh tokens for several audiences. rotor-auth always asks the signed-in
   * family's refresh token for any audience, so this has no effect (Auth0 must allow it: MRRT).
   */
  useMrrt?: boolean;
  /**
   * auth0-spa-js: `'offline'` (default: rotating refresh tokens, as rotor-auth) or `'online'`
   * (session-bound tokens that need DPoP): `'online'` is not supported and throws ConfigurationError.
   */
  refreshTokenMode?: 'offline' | 'online';
  /** auth0-spa-js: opens a popup on `mfa_required`. No effect: the error reaches the caller (call loginWithPopup). */
  interactiveErrorHandler?: 'popup';
  /**
   * The current time in epoch ms (sync or async; auth0-spa-js 2.27), for every time check of the SDK
   * (token expiry, ID-token `iat`/`exp`, DPoP proofs). Default `Date.now`.
   */
  /**
   * DPoP (RFC 9449, auth0-spa-js 2.27): bind the refresh and access tokens to a non-extractable
   * key pair made per login, so a token copied out of storage is useless elsewhere. The keys live
   * in IndexedDB for a persistent cache (memory for `memory`). Needs WebCrypto. Default false.
   */
  useDpop?: boolean;
  nowProvider?: () => number | Promise<number>;
  /** auth0-spa-js: posts token requests as JSON when false. No effect: requests are always form-encoded, as OAuth requires. */
  useFormData?: boolean;
  /** auth0-spa-js: lifetime of its `auth0.is.authenticated` cookie. No effect: rotor-auth sets no cookies. */
  sessionCheckExpiryDays?: number;
  /** auth0-spa-js: domain of its cookies. No effect: rotor-auth sets no cookies. */
  cookieDomain?: string;
  /** auth0-spa-js: keep login transactions in cookies. No effect: transactions are kept in sessionStorage (per tab). */
  useCookiesForTransactions?: boolean;
  /** auth0-spa-js: extra cookie for old browsers. No effect: rotor-auth sets no cookies. */
  legacySameSiteCookie?: boolean;
  /** auth0-spa-js: URL of its token Web Worker. No effect: rotor-auth uses no worker. */
  workerUrl?: string;
  /** auth0-spa-js: SDK telemetry sent to Auth0. No effect: rotor-auth sends none. */
  auth0Client?: { name: string; version: string; env?: Record<string, string> };
  /** auth0-spa-js: Auth0 anonymous sessions. No effect (not supported). */
  anonymousSessionsCacheMode?: 'localStorage' | 'memory';
  /** auth0-spa-js: Auth0 anonymous sessions. No effect (not supported). */
  createAnonymousSessionOnFailedSilentAuth?: boolean;
  /**
   * auth0-spa-js: URL query parameter carrying an Auth0 native-to-web session transfer token.
   * No effect: pass `authorizationParams.session_transfer_token` yourself.
   */
  sessionTransferTokenQueryParamName?: string;
  /** auth0-spa-js: Auth0 Enterprise Connect routing/telemetry flag. No effect. */
  enterpriseConnect?: boolean;
  /** Seconds before the session's end that `sessionExpiring` fires (README, "Long-lived sessions"). Must be >= 0. Default `300`. */
  sessionExpiringLeadInSeconds?: number;
  /**
   * Redirect logins this tab may start within `loginLoopWindowInSeconds`; one more rejects with
   * LoginLoopError instead of navigating (an app loop). `0` turns the check off. Default `3`.
   */
  loginLoopLimit?: number;
  /** The loop breaker's window in seconds. Must be > 0. Default `60`. */
  loginLoopWindowInSeconds?: number;
  /**
   * handleRedirectCallback() without a URL removes `code`, `state`, `iss` and `error*` from the address bar
   * (`history.replaceState`), so a reload never replays a spent callback. Default `true`.
   */
  cleanCallbackUrl?: boolean;
  /**
   * Keep the access token fresh ahead of its expiry (with jitter), and refresh one that expired while
   * the device slept when the tab wakes up. One tab leads (a Web Lock); it refreshes only while visible,
   * never sooner than Retry-After. Default `false`: tokens are refreshed only when asked for.
   */
  autoRefresh?: boolean;
  /**
   * The idle policy: sign out (revoking the refresh token) in every tab after this many seconds without
   * user activity (pointer, key, a tab shown) in any tab of the app; refreshes do not count.
   * `sessionExpiring` with reason `idle` warns first. `0` (default): off.
   */
  idleTimeoutInSeconds?: number;
}

/** The strict internal form every other module works with. */
export interface ResolvedOptions {
  domain?: string;
  /** Alone: the discovery issuer. With `domain`: the expected `iss` (normalised like auth0-spa-js). */
  issuer?: string;
  clientId: string;
  authorizationParams: AuthorizationParams;
  /** Default scope (normalised, `openid` included, `offline_access` added when refresh tokens are on). */
  scope: string;
  audience?: string;
  cacheLocation: CacheLocation;
  cache?: Cache;
  useRefreshTokens: boolean;
  useRefreshTokensFallback: boolean;
  authorizeTimeoutInSeconds: number;
  httpTimeoutInSeconds: number;
  leeway: number;
  loadUserInfo: boolean;
  nowProvider?: () => number | Promise<number>;
  useDpop: boolean;
  sessionExpiringLeadInSeconds: number;
  loginLoopLimit: number;
  loginLoopWindowInSeconds: number;
  cleanCallbackUrl: boolean;
  autoRefresh: boolean;
  idleTimeoutInSeconds: number;
}

export { DEFAULT_SCOPE, effectiveScope, normalizeScope } from '../protocol/scope.js';

/** Resolve user options once into the strict internal form; every mistake is a ConfigurationError naming the fix. */
export function resolveOptions(input: AuthClientOptions): ResolvedOptions {
  if (!input || typeof input !== 'object') bad('Options object is required');
  for (const key of Object.keys(input)) {
    if (KNOWN.has(key)) continue;
    // auth0-spa-js v1 put these at the top level (the usual migration slip); any other unknown name is just that
    const fix = PARAMS_OPTIONS.includes(key) && `authorizationParams.${key}`;
    const hint = !fix && optionHint(key);
    bad(`Unknown option "${key}"${fix ? `: use ${fix}` : hint ? `: did you mean "${hint}"?` : ''}`);
  }
  const o = input as AuthClientOptions & Record<string, unknown>;
  const { domain } = o;
  let { issuer } = o;
  text('clientId', o.clientId);
  if (domain === undefined && issuer === undefined) bad('Option "domain" or "issuer" is required');
  if (domain !== undefined) urlish('domain', domain, true);
  if (issuer !== undefined) {
    // With domain, issuer is only the expected `iss`; a bare host means https://{host}/ (auth0-spa-js).
    urlish('issuer', issuer, domain !== undefined);
    if (!HTTP_URL.test(issuer)) issuer = `https://${issuer}/`;
  }
  const params = o.authorizationParams ?? {};
  if (!obj(params)) must('authorizationParams', 'an object', params);
  for (const name of ['client_id', 'clientId', 'response_type', 'code_challenge', 'state', 'nonce'] as const) {
    if (name in params) bad(`authorizationParams.${name} is set by the SDK`);
  }
  const cacheLocation = o.cacheLocation ?? 'memory';
  const locations = Object.keys(BACKENDS);
  if (!locations.includes(cacheLocation)) must('cacheLocation', `one of ${locations}`, cacheLocation);
  const c = o.cache as Record<string, unknown> | null | undefined;
  if (c !== undefined && ['get', 'set', 'remove'].some((m) => typeof c?.[m] !== 'function')) {
    bad('Option "cache" must have get, set and remove');
  }
  if (o.refreshTokenMode !== undefined && o.refreshTokenMode !== 'offline') must('refreshTokenMode', '"offline"', o.refreshTokenMode);
  const useRefreshTokens = bool(o, 'useRefreshTokens', true);
  const audience = params.audience;
  text('authorizationParams.audience', audience, true);
  const scope = baseScope(params.scope, audience);
  if (o.nowProvider !== undefined && typeof o.nowProvider !== 'function') must('nowProvider', 'a function', o.nowProvider);
  return {
    ...o, // domain, clientId, cache, nowProvider (and the no-effect options) as given; the rest resolved below
    issuer,
    authorizationParams: { ...params, scope } as AuthorizationParams,
    scope: effectiveScope(scope, useRefreshTokens),
    audience,
    cacheLocation,
    useRefreshTokens,
    useRefreshTokensFallback: bool(o, 'useRefreshTokensFallback', false),
    authorizeTimeoutInSeconds: seconds(o, 'authorizeTimeoutInSeconds', 60),
    httpTimeoutInSeconds: seconds(o, 'httpTimeoutInSeconds', 10),
    leeway: seconds(o, 'leeway', 60, true),
    loadUserInfo: bool(o, 'loadUserInfo', false),
    useDpop: bool(o, 'useDpop', false),
    sessionExpiringLeadInSeconds: seconds(o, 'sessionExpiringLeadInSeconds', 300, true),
    loginLoopLimit: seconds(o, 'loginLoopLimit', 3, true),
    loginLoopWindowInSeconds: seconds(o, 'loginLoopWindowInSeconds', 60),
    cleanCallbackUrl: bool(o, 'cleanCallbackUrl', true),
    autoRefresh: bool(o, 'autoRefresh', false),
    idleTimeoutInSeconds: seconds(o, 'idleTimeoutInSeconds', 0, true),
  };
}
