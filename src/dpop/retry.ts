/**
 * One retry on `use_dpop_nonce` from the authorization server (RFC 9449 §8).
 * The HTTP layer stores every `DPoP-Nonce` response header in the shared
 * nonce store (success or error), so the retry reads the fresh nonce from
 * there; another tab that already holds it never needs the challenge at all.
 * A use_dpop_nonce answer is sent before the grant is processed, so
 * retrying with the same refresh token is safe (nothing rotated).
 */
import { NetworkError, TimeoutError, UseDpopNonceError } from '../errors.js';
import type { DpopNonces } from './store.js';

/** The request got no HTTP answer (network failure or timeout). */
export const unanswered = (e: unknown): boolean => e instanceof TimeoutError || (e instanceof NetworkError && e.status === undefined);

export async function withDpopNonce<T>(nonces: DpopNonces, attempt: (nonce: string | undefined) => Promise<T>): Promise<T> {
  let used;
  for (let retry = 0; ; retry++) {
    const nonce = await nonces.get();
    // The retry needs a new nonce; a second challenge ends it (no loop).
    if (retry && (retry > 1 || !nonce || nonce === used)) throw new UseDpopNonceError(nonce);
    try {
      return await attempt((used = nonce));
    } catch (e) {
      // no HTTP answer: the nonce that went with the request may be what broke it; it is not used again
      if (nonce && unanswered(e)) await nonces.drop().catch(() => undefined);
      if ((e as { error?: unknown } | null)?.error !== 'use_dpop_nonce') throw e;
    }
  }
}
