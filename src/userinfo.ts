import { UserInfoError } from './errors.js';
import type { JsonResponse } from './http.js';
import type { IdTokenClaims } from './id-token.js';

/** Protocol claims that are not about the user (left out of `getUser()`). */
const PROTOCOL_CLAIMS = ['__raw', 'iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'nonce', 'auth_time', 'at_hash', 'c_hash', 'acr', 'amr', 'sid', 'cnf'];

/** The user's claims from a verified ID token, without the protocol claims. */
export function userFromClaims(claims: IdTokenClaims | Record<string, unknown>): Record<string, unknown> & { sub: string } {
  const user: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) if (!PROTOCOL_CLAIMS.includes(k)) user[k] = v;
  return user as Record<string, unknown> & { sub: string };
}

export interface UserInfoSource {
  /** The userinfo endpoint, or undefined when the provider has none. */
  endpoint(): Promise<string | undefined>;
  /** GETs the endpoint with the access token (Bearer, or DPoP + proof: see dpop-client.ts `authorizedGet`). */
  get(url: string): Promise<JsonResponse>;
}

/**
 * `loadUserInfo`: the userinfo response (OIDC Core 5.3), fetched with the access token once per
 * sign-in (keyed by the session: its refresh-token family, or its ID token) and kept in memory.
 * Its `sub` must equal the ID token's (5.3.2); failures are typed and never cached, so the next
 * `getUser()` tries again.
 */
export class UserInfoLoader {
  private cached?: { key: string; claims: Promise<Record<string, unknown>> };

  constructor(private readonly source: UserInfoSource) {}

  load(sessionKey: string, sub: string): Promise<Record<string, unknown>> {
    const key = `${sub}\n${sessionKey}`;
    if (this.cached?.key !== key) {
      const entry = (this.cached = { key, claims: this.fetch(sub) });
      entry.claims.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.claims;
  }

  private async fetch(sub: string): Promise<Record<string, unknown>> {
    const url = await this.source.endpoint();
    if (!url) throw new UserInfoError('loadUserInfo: no userinfo_endpoint');
    const { body } = await this.source.get(url);
    if (body.sub !== sub) throw new UserInfoError(`userinfo "sub" is ${JSON.stringify(body.sub)}, expected "${sub}"`);
    return userFromClaims(body);
  }
}
