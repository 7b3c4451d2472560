import type { IdTokenClaims } from '../protocol/id-token.js';
import type { AuthorizationParams } from './options.js';

/** Options of `loginWithRedirect` (auth0-spa-js v2 names). */
export interface RedirectLoginOptions<TAppState = unknown> {
  /** Parameters for this login, merged over the client's `authorizationParams`. */
  authorizationParams?: AuthorizationParams;
  /** Any state to get back from `handleRedirectCallback()` (kept in sessionStorage meanwhile). Default: none. */
  appState?: TAppState;
  /** Replaces `window.location.assign(url)` (e.g. `location.replace`, or a native browser). */
  openUrl?: (url: string) => void | Promise<void>;
}

/** What `handleRedirectCallback` resolves. */
export interface RedirectLoginResult<TAppState = unknown> {
  /** The `appState` given to `loginWithRedirect`, if any. */
  appState?: TAppState;
}

/** Options of `loginWithPopup` / `getTokenWithPopup`. */
export interface PopupLoginOptions {
  /** Parameters for this login, merged over the client's `authorizationParams`. */
  authorizationParams?: AuthorizationParams;
}

/** Popup settings of `loginWithPopup` / `getTokenWithPopup`. */
export interface PopupConfigOptions {
  /** Seconds to wait for the popup's answer before PopupTimeoutError. Default: `authorizeTimeoutInSeconds` (60). */
  timeoutInSeconds?: number;
  /** A popup the app opened itself (e.g. synchronously in a click handler). Default: the SDK opens one. */
  popup?: Window;
}

/** Options of `getTokenSilently` (auth0-spa-js v2 names). */
export interface GetTokenSilentlyOptions {
  /**
   * `'on'` (default): the cache, else a refresh. `'off'`: always a new token (a refresh).
   * `'cache-only'`: never the network; resolves `undefined` when nothing usable is cached.
   */
  cacheMode?: 'on' | 'off' | 'cache-only';
  /** Resolve a TokenResponse instead of the access token string. Default `false`. */
  detailedResponse?: boolean;
  /** Seconds the whole call may take before TimeoutError. Default `60`. */
  timeoutInSeconds?: number;
  /** `audience` and `scope` of the token wanted (default: the client's); other parameters go to the iframe. */
  authorizationParams?: { audience?: string; scope?: string; [key: string]: string | number | boolean | undefined };
}

/** `getTokenSilently({ detailedResponse: true })` (the refresh token is never exposed). */
export interface TokenResponse {
  access_token: string;
  /** The session's current ID token. */
  id_token?: string;
  /** `Bearer` (or `DPoP`). */
  token_type: string;
  /** Seconds until the access token expires, from now. */
  expires_in: number;
  /** The scope granted (what the server said), else the scope asked for. */
  scope: string;
}

/** The signed-in user: ID-token claims without protocol claims (plus userinfo with `loadUserInfo`). */
export type User = Record<string, unknown> & { sub: string; name?: string; email?: string; picture?: string };
export type { IdTokenClaims };
