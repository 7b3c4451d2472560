import { IdTokenValidationError, NetworkError, OAuthError, StorageError, TimeoutError } from '../errors.js';

/**
 * The one place that says what a failure means for the session (README:
 * "What survives what"):
 * - terminal: the refresh-token family is dead at the server: purge it;
 * - transient: nothing is known about the tokens (network, timeout, 429, 5xx,
 *   JWKS unreachable, storage, lock timeout): keep everything;
 * - deferred: an ID token that cannot be checked for now (keys unreachable,
 *   clock): keep the tokens, check it again later;
 * - hostile: a 200 that cannot be trusted (bad signature with an available
 *   key, iss/sub/aud changed): revoke the family at the server, purge it;
 * - other: anything else (a wrong request such as invalid_scope/request/target,
 *   interaction needed, configuration, malformed responses): keep the session.
 */
export type FailureClass = 'terminal' | 'transient' | 'deferred' | 'hostile' | 'other';

export function classify(e: unknown): FailureClass {
  if (e instanceof OAuthError) {
    const c = e.error;
    // "try later" even in a 4xx body: temporarily_unavailable, server_error
    if (e.status === 429 || e.status >= 500 || c === 'temporarily_unavailable' || c === 'server_error') return 'transient';
    if (/^(invalid_grant|invalid_client|unauthorized_client|unsupported_grant_type)$/.test(c)) return 'terminal';
  }
  if (e instanceof NetworkError || e instanceof TimeoutError || e instanceof StorageError) return 'transient';
  if (e instanceof IdTokenValidationError) return e.reason ? 'deferred' : 'hostile';
  return 'other';
}

/** True for failures that say nothing about the tokens' validity (transient, or an ID token checked later). */
export function isTransient(e: unknown): boolean {
  const c = classify(e);
  return c === 'transient' || c === 'deferred';
}
