import { plainCopy } from '../shape.js';
import { UserInfoError } from '../errors.js';
import type { JsonResponse } from './http.js';
import type { IdTokenClaims } from './id-token.js';

/** Protocol claims that are not about the user (left out of `getUser()`). */
const PROTOCOL_CLAIMS = ['__raw', 'iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'nonce', 'auth_time', 'at_hash', 'c_hash', 'acr', 'amr', 'sid', 'cnf'];

/** The user's claims from a verified ID token, without the protocol claims. */
export const userFromClaims = (claims: IdTokenClaims | Record<string, unknown>): Record<string, unknown> & { sub: string } => {
  // defined, never assigned: an own "__proto__" claim must not become the user's prototype
  return plainCopy(claims, (k) => !PROTOCOL_CLAIMS.includes(k)) as Record<string, unknown> & { sub: string };
};

export interface UserInfoSource {
  /** GETs the endpoint with the access token (Bearer, or DPoP + proof: see dpop-client.ts `authorizedGet`). */
  get(url: string): Promise<JsonResponse>;
}

/** Loads the userinfo claims of a sign-in (`session`: its refresh-token family, or its ID token) whose ID token has `sub`. */
export type UserInfoLoader = (session: string, sub: string) => Promise<Record<string, unknown>>;

/**
 * `loadUserInfo`: the userinfo response (OIDC Core 5.3), fetched with the access token once per
 * sign-in and kept in memory. Its `sub` must equal the ID token's (5.3.2); failures are typed and
 * never cached, so the next `getUser()` tries again.
 */
export function userInfoLoader(endpoints: () => Promise<{ userinfo?: string }>, get: UserInfoSource['get']): UserInfoLoader {
  let key: string | undefined;
  let claims: Promise<Record<string, unknown>>;
  const fetchClaims = async (sub: string) => {
    const url = (await endpoints()).userinfo;
    if (!url) throw new UserInfoError('loadUserInfo: no userinfo_endpoint');
    const { body } = await get(url);
    if (body.sub !== sub) throw new UserInfoError(`userinfo "sub" is ${JSON.stringify(body.sub)}, expected "${sub}"`);
    return userFromClaims(body);
  };
  return (session, sub) => {
    const k = `${sub}\n${session}`;
    if (key !== k) {
      key = k;
      const p = (claims = fetchClaims(sub));
      p.catch(() => {
        if (claims === p) key = undefined; // a failure is not kept: the next call tries again
      });
    }
    return claims;
  };
}
