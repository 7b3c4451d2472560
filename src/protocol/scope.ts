/**
 * Protocol layer: the parameters of an /authorize request and the scope rules (RFC 6749 §3.3 scope strings;
 * OIDC `openid`; `offline_access` for refresh tokens). Types only and pure functions; imports nothing.
 */

/** Named /authorize parameters shared by the client options and the per-call options. */
export interface AuthorizationParamsBase {
  /**
   * Where the authorization server sends the browser back with the result.
   * Default: the page's origin (`location.origin`). Must be registered with the provider.
   */
  redirect_uri?: string;
  /** The API the access token is for (Auth0 `audience`; sent as `audience` to /authorize and the token endpoint). Default: none. */
  audience?: string;
  /**
   * `'none'` (no UI, fails with `login_required` when a sign-in is needed), `'login'` (sign in again),
   * `'consent'` (ask for consent again; strict OpenID providers issue a refresh token for
   * `offline_access` only with it), `'select_account'`. Default: none.
   */
  prompt?: 'none' | 'login' | 'consent' | 'select_account';
  /** Maximum seconds since the user last signed in; the ID token must then carry `auth_time`, which is checked. */
  max_age?: number | string;
  /** Auth0: `'signup'` or `'login'` to choose the first screen of Universal Login. */
  screen_hint?: string;
  /** The user's identifier, to pre-fill the login form. */
  login_hint?: string;
  /** Space-separated language tags, most preferred first (e.g. `'fr-CA fr en'`). */
  ui_locales?: string;
  /** Auth0: the connection (identity provider) to sign in with. */
  connection?: string;
  /** Auth0: the organization (id `org_…` or name) to sign in to. */
  organization?: string;
  /** Auth0: the id of an organization invitation to accept. */
  invitation?: string;
}

/** Parameters sent to /authorize (and, where they apply, to the token endpoint). */
export interface AuthorizationParams extends AuthorizationParamsBase {
  /**
   * Space-separated scopes. Default `'openid profile email'`; `openid` is always added, and
   * `offline_access` too when `useRefreshTokens` is on. A refresh asks for no more than was granted.
   */
  scope?: string;
  /** Any extra parameter is passed to /authorize unchanged. */
  [key: string]: string | number | boolean | undefined;
}

/**
 * `authorizationParams` of the client options: as AuthorizationParams, and `scope` may also be
 * an object of scopes per audience (auth0-spa-js 2.27: `{ default: '...', 'https://api': '...' }`).
 */
export interface ClientAuthorizationParams extends AuthorizationParamsBase {
  /**
   * Space-separated scopes, or scopes per audience (auth0-spa-js 2.27). With an object, the entry of
   * the configured `audience` (else `default`, else `'openid profile email'`) is the client's scope.
   */
  scope?: string | Record<string, string>;
  /** Any extra parameter is passed to /authorize unchanged. */
  [key: string]: string | number | boolean | Record<string, string> | undefined;
}

export const DEFAULT_SCOPE = 'openid profile email';

/** Split, de-duplicate and join a scope string. */
export function normalizeScope(...scopes: (string | undefined)[]): string {
  // join() writes undefined as ''; a Set keeps the first of each scope, in order
  return [...new Set(scopes.join(' ').split(/\s+/).filter(Boolean))].join(' ');
}

/** The effective scope of a request: always `openid`, `offline_access` when refresh tokens are on. */
export function effectiveScope(scope: string | undefined, useRefreshTokens: boolean): string {
  return normalizeScope('openid', scope ?? DEFAULT_SCOPE, useRefreshTokens ? 'offline_access' : undefined);
}
