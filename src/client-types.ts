import type { IdTokenClaims } from './id-token.js';
import type { AuthorizationParams } from './options.js';

/** Option and result types of AuthClient's methods (auth0-spa-js v2 names). */
export interface RedirectLoginOptions<TAppState = unknown> {
  authorizationParams?: AuthorizationParams;
  appState?: TAppState;
  /** Replaces `window.location.assign(url)`. */
  openUrl?: (url: string) => void | Promise<void>;
}
export interface RedirectLoginResult<TAppState = unknown> {
  appState?: TAppState;
}
export interface PopupLoginOptions {
  authorizationParams?: AuthorizationParams;
}
export interface PopupConfigOptions {
  timeoutInSeconds?: number;
  /** A popup the app opened itself (e.g. synchronously in a click handler). */
  popup?: Window;
}
export interface GetTokenSilentlyOptions {
  cacheMode?: 'on' | 'off' | 'cache-only';
  detailedResponse?: boolean;
  timeoutInSeconds?: number;
  authorizationParams?: { audience?: string; scope?: string; [key: string]: string | number | boolean | undefined };
}
export interface TokenResponse {
  access_token: string;
  id_token?: string;
  token_type: string;
  expires_in: number;
  scope: string;
}
export type User = Record<string, unknown> & { sub: string; name?: string; email?: string; picture?: string };
export type { IdTokenClaims };

