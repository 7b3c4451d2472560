import { InvalidResponseError, mustBe } from './errors.js';
import { num, str } from './cache/entries.js';
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
}

/** DPoP: the proof header and the nonce sink for one request (see dpop-client.ts). */
export type DpopHttp = Pick<HttpOptions, 'headers' | 'nonce'>;

export function requestRefreshGrant(
  tokenUrl: string,
  clientId: string,
  refreshToken: string,
  audience: string | undefined,
  scope: string | undefined,
  timeoutMs: number,
  http?: DpopHttp,
) {
  return request(tokenUrl, { timeoutMs, ...http }, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, audience, scope });
}

/** RFC 7009 revocation of a refresh token (resolves on a 2xx; its body is not read). */
export function requestRevocation(revocationUrl: string, clientId: string, token: string, timeoutMs: number, http?: DpopHttp): Promise<unknown> {
  return request(revocationUrl, { timeoutMs, ...http }, { client_id: clientId, token, token_type_hint: 'refresh_token' }, true);
}

export function bad(field: string, value: unknown, want: string): never {
  mustBe(InvalidResponseError, `Token response "${field}"`, want, value);
}

const optionalString = (body: Record<string, unknown>, field: string): string | undefined => {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!str(v)) bad(field, v, 'a non-empty string');
  return v;
};

/** Check a successful token response; `requireIdToken` on the code grant when `openid` was asked for. */
export const processTokenResponse = (body: Record<string, unknown>, opts: { requireIdToken: boolean }): TokenEndpointResponse => {
  const { access_token, token_type, expires_in } = body;
  if (!str(access_token)) bad('access_token', access_token, 'a non-empty string');
  if (typeof token_type !== 'string' || !/^(bearer|dpop)$/i.test(token_type)) bad('token_type', token_type, '"Bearer" or "DPoP"');
  if (!num(expires_in) || expires_in <= 0) bad('expires_in', expires_in, 'seconds > 0');
  const id_token = optionalString(body, 'id_token');
  if (opts.requireIdToken && !id_token) bad('id_token', id_token, 'present (scope has openid)');
  const { scope } = body;
  if (scope !== undefined && typeof scope !== 'string') bad('scope', scope, 'a string');
  // absent optional fields stay undefined (left out of stored JSON)
  return { access_token, token_type, expires_in, id_token, refresh_token: optionalString(body, 'refresh_token'), scope };
};
