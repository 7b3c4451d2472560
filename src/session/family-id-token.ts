import { classify } from '../protocol/classify.js';
import type { Clock } from '../protocol/clock.js';
import type { Endpoints } from '../protocol/endpoints.js';
import { IdTokenValidationError } from '../errors.js';
import { checkRefreshedClaims, verifyIdToken, type IdTokenClaims, type JwksCache } from '../protocol/id-token.js';
import type { SessionEntry, TokenStore } from '../cache/token-store.js';

export interface IdTokenCheckDeps {
  clientId: string;
  store: TokenStore;
  endpoints: () => Promise<Endpoints>;
  leeway: number;
  jwks: JwksCache;
  clock: Clock;
}

/**
 * Verify a refresh's ID token: started as soon as the response arrives, so the
 * crypto (and any JWKS fetch) runs alongside the commit's writes. Its outcome
 * is acted on by checkRefreshIdToken; a caller that may drop it catches it
 * (family-lock's exchange does; recheck awaits it at once).
 */
export function verifyRefreshIdToken(deps: IdTokenCheckDeps, idToken: string, receivedAt?: Promise<number>): Promise<IdTokenClaims> {
  // deps has the clientId, leeway, jwks and clock verifyIdToken wants (and nothing it reads besides). A clock
  // that fails (the app's nowProvider) fails this check, never the commit that runs alongside it.
  return verifyIdToken(idToken, { ...deps, issuer: deps.endpoints().then((e) => e.issuer), receivedAt });
}

/**
 * Act on a refresh's ID token check (after the commit). Ok: the session takes
 * its claims. Deferred (keys unreachable, clock): the previous claims stay and
 * the token is kept for a later check (`pending_id_token`). Hostile (bad
 * signature, iss/sub/aud changed): `onHostile` ends the family, then the
 * IdTokenValidationError is thrown.
 */
export interface IdTokenCheck {
  family: string;
  idToken: string;
  verified: Promise<IdTokenClaims>;
  /** The session as read under the family lock before sending (`null`: unknown, read it now). */
  known: SessionEntry | undefined | null;
  /** Called once the claims checked out (before the session is written, a task later) or their check is deferred. */
  checked?: () => void;
  onHostile: () => Promise<void>;
}

export async function checkRefreshIdToken(deps: IdTokenCheckDeps, { family, idToken, verified, known, checked, onHostile }: IdTokenCheck): Promise<void> {
  const { store } = deps;
  const session = known === null ? await store.getSession() : known;
  if (session && session.family !== family) return; // not the signed-in user's family
  try {
    const claims = await verified;
    if (session) checkRefreshedClaims(claims, session.claims);
    checked?.();
    await store.setSession({ v: 1, id_token: idToken, claims, family, obtained_at: Date.now() }, family);
  } catch (e) {
    if (classify(e) === 'deferred') {
      checked?.(); // the tokens stand; the claims wait for a later check
      if (session) await store.setSession({ ...session, pending_id_token: idToken }, family).catch(() => undefined);
      return;
    }
    if (!(e instanceof IdTokenValidationError)) return; // storage: the claims stay as they were
    await onHostile();
    throw e;
  }
}
