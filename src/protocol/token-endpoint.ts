import { InvalidResponseError } from '../errors.js';
import { mustBe } from '../shape.js';
import { num, str } from '../shape.js';
import { request, type HttpOptions } from './http.js';

/**
 * The refresh and revocation requests (the code grant is sent by authorize.ts). The request functions only build and
 * send; processTokenResponse checks every field the SDK relies on, so nothing
 * malformed reaches the cache.
 */
export interface TokenEndpointResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  /** Seconds until the refresh-token family's absolute lifetime ends, under whichever name the server used (refreshExpiresIn). */
  refresh_token_expires_in?: number;
}

/**
 * The names servers give the refresh token's remaining lifetime in seconds: `refresh_token_expires_in`
 * (Auth0, Okta, Entra ID), `refresh_expires_in` (Keycloak; its `0` means no limit).
 */
const REFRESH_LIFETIME = ['refresh_token_expires_in', 'refresh_expires_in'];

/** The refresh token's remaining lifetime in seconds (> 0), or undefined when the server sent none (or not a number). */
export function refreshExpiresIn(body: Record<string, unknown>): number | undefined {
  for (const name of REFRESH_LIFETIME) {
    const value = body[name];
    if (num(value) && value > 0) return value;
  }
  return undefined;
}

/** DPoP: the proof header and the nonce sink for one request (see dpop-client.ts). */
export type DpopHttp = Pick<HttpOptions, 'headers' | 'nonce'>;

/** One request about a refresh token to the authorization server (`url`: the token or the revocation endpoint). */
export interface RefreshTokenRequest {
  url: string;
  clientId: string;
  refreshToken: string;
  timeoutMs: number;
  /** DPoP: the proof header and nonce sink. */
  http?: DpopHttp;
}

/** The refresh_token grant (RFC 6749 §6): `audience` (Auth0) and `scope` only when given. */
export function requestRefreshGrant({ url, clientId, refreshToken, timeoutMs, http, audience, scope }: RefreshTokenRequest & { audience?: string; scope?: string }) {
  return request(url, { timeoutMs, ...http }, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, audience, scope });
}

/** RFC 7009 revocation of a refresh token (resolves on a 2xx; its body is not read). */
export function requestRevocation({ url, clientId, refreshToken, timeoutMs, http }: RefreshTokenRequest): Promise<unknown> {
  return request(url, { timeoutMs, ...http }, { client_id: clientId, token: refreshToken, token_type_hint: 'refresh_token' }, true);
}

export function bad(field: string, value: unknown, want: string): never {
  mustBe(InvalidResponseError, `Token response "${field}"`, want, value);
}

/**
 * Check a successful token response; `requireIdToken` on the code grant (its scope has `openid`); `dpop`: the grant was
 * DPoP-bound, so `token_type` must be DPoP (a Bearer answer's access token is not used).
 */
export const processTokenResponse = (body: Record<string, unknown>, requireIdToken: boolean, dpop?: unknown): TokenEndpointResponse => {
  const { access_token, token_type, expires_in, id_token, refresh_token, scope } = body;
  const check = (field: string, wrong: unknown, want = 'a non-empty string') => wrong && bad(field, body[field], want);
  check('access_token', !str(access_token));
  check('token_type', typeof token_type !== 'string' || !(dpop ? /^dpop$/i : /^(bearer|dpop)$/i).test(token_type), dpop ? '"DPoP" (useDpop)' : '"Bearer" or "DPoP"');
  check('expires_in', !num(expires_in) || expires_in <= 0, 'seconds > 0');
  check('id_token', id_token !== undefined && !str(id_token));
  check('id_token', requireIdToken && !id_token, 'present (scope has openid)');
  check('scope', scope !== undefined && typeof scope !== 'string', 'a string');
  check('refresh_token', refresh_token !== undefined && !str(refresh_token));
  // absent optional fields stay undefined (left out of stored JSON)
  return { access_token, token_type, expires_in, id_token, refresh_token, scope, refresh_token_expires_in: refreshExpiresIn(body) } as TokenEndpointResponse;
};
