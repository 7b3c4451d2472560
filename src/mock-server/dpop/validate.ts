/**
 * DPoP proof validation (RFC 9449 §4.3) as one function over the request's
 * `DPoP` header value, method and URL, the server clock and the server's
 * DPoP state. It never throws for bad input: the answer is either the key's
 * thumbprint (`jkt`) or an OAuth error the route turns into a response
 * (400 JSON at the token endpoint, 401 + `WWW-Authenticate: DPoP` at
 * resources), with `nonce` for the `DPoP-Nonce` header.
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { DpopSettings } from './options.js';
import type { DpopNonces, DpopReplayCache } from './state.js';

export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

export interface DpopError {
  ok: false;
  error: DpopErrorCode;
  error_description: string;
  /** Send as `DPoP-Nonce` (always set for `use_dpop_nonce`). */
  nonce?: string;
}

export interface DpopAccepted {
  ok: true;
  /** Thumbprint of the proof key; undefined when there was no proof (mode optional) or DPoP is off. */
  jkt?: string;
  /** A newer nonce than the proof used: send as `DPoP-Nonce`. */
  nonce?: string;
}

export type DpopResult = DpopAccepted | DpopError;

export interface DpopRequest {
  /** The `DPoP` header value (null when absent; several headers arrive comma-joined). */
  proof: string | null | undefined;
  method: string;
  /** The request URL as the server sees it under its issuer (query and fragment are ignored). */
  url: string;
  /** At a resource: the access token from `Authorization: DPoP …`, checked against `ath`. */
  accessToken?: string;
}

export interface DpopContext {
  settings: DpopSettings;
  nonces: DpopNonces;
  replay: DpopReplayCache;
  /** Server clock, milliseconds. */
  now: number;
}

/** Members only a private or symmetric key has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

const invalid = (error_description: string): DpopError => ({ ok: false, error: 'invalid_dpop_proof', error_description });

/** base64url(SHA-256(ASCII(accessToken))), the expected `ath`. */
export const accessTokenHash = (accessToken: string): string => createHash('sha256').update(accessToken).digest('base64url');

/** URL without query and fragment, normalised by the WHATWG parser (case of scheme and host, default port, dot segments). */
function bareUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    u.search = u.hash = '';
    return u.href;
  } catch {
    return undefined;
  }
}

export async function validateDpopProof(req: DpopRequest, ctx: DpopContext): Promise<DpopResult> {
  const { settings, nonces, replay, now } = ctx;
  if (settings.mode === 'off') return { ok: true };
  const proof = req.proof;
  if (proof === null || proof === undefined || proof === '') {
    return settings.mode === 'required' ? invalid('A DPoP proof is required (DPoP header missing)') : { ok: true };
  }
  if (/[,\s]/.test(proof)) return invalid('Exactly one DPoP header with one proof JWT is allowed');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return invalid('DPoP proof is not a JWT');
  }
  if (header.typ !== 'dpop+jwt') return invalid('DPoP proof typ must be "dpop+jwt"');
  const alg = header.alg;
  if (typeof alg !== 'string' || !settings.algorithms.includes(alg)) {
    return invalid(`DPoP proof alg ${JSON.stringify(alg)} is not accepted (accepted: ${settings.algorithms.join(', ')})`);
  }
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return invalid('DPoP proof header must carry the public key as "jwk"');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) return invalid('DPoP proof jwk must be a public key (it has private or symmetric key members)');

  let bytes: Uint8Array;
  let jkt: string;
  try {
    const key = await importJWK(jwk, alg);
    ({ payload: bytes } = await compactVerify(proof, key, { algorithms: [alg] }));
    jkt = await calculateJwkThumbprint(jwk, 'sha256');
  } catch (e) {
    return invalid(`DPoP proof signature or key is invalid (${e instanceof Error ? e.message : String(e)})`);
  }
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch {
    return invalid('DPoP proof payload is not JSON');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return invalid('DPoP proof payload is not a JSON object');

  const { jti, htm, htu, iat, nonce, ath } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return invalid('DPoP proof must have a jti string');
  if (typeof htm !== 'string') return invalid('DPoP proof must have an htm string');
  if (typeof htu !== 'string') return invalid('DPoP proof must have an htu string');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return invalid('DPoP proof must have a numeric iat');
  if (nonce !== undefined && typeof nonce !== 'string') return invalid('DPoP proof nonce must be a string');

  if (htm !== req.method) return invalid(`DPoP proof htm ${JSON.stringify(htm)} does not match the request method ${req.method}`);
  const expectedUrl = bareUrl(req.url);
  if (expectedUrl === undefined || bareUrl(htu) !== expectedUrl) return invalid(`DPoP proof htu does not match ${expectedUrl ?? req.url}`);

  // Freshness: a valid server nonce proves it; without one, iat must be recent. A stale or
  // skewed proof gets a fresh nonce, so a client with a wrong clock can recover (as oidc-provider).
  const challenge = (error_description: string): DpopError => ({ ok: false, error: 'use_dpop_nonce', error_description, nonce: nonces.current(now) });
  if (nonce !== undefined) {
    if (!nonces.accepts(nonce, now)) return challenge('DPoP proof nonce is invalid or expired; use the new DPoP-Nonce');
  } else {
    if (Math.abs(now / 1000 - iat) > settings.iatWindow) return challenge('DPoP proof iat is not recent enough; use a DPoP nonce');
    if (settings.requireNonce) return challenge('A DPoP nonce is required; use the DPoP-Nonce');
  }

  if (req.accessToken !== undefined && ath !== accessTokenHash(req.accessToken)) {
    return invalid(ath === undefined ? 'DPoP proof must carry ath for the access token' : 'DPoP proof ath does not match the access token');
  }

  // Remembered for as long as the proof could be accepted again: a proof dated up to one window
  // ahead stays acceptable for two windows; a nonce stays valid for up to two rotation periods.
  const keep = 2 * Math.max(settings.iatWindow * 1000, nonces.rotationMs);
  if (!replay.add(`${jkt}:${jti}`, now + keep, now)) return invalid('DPoP proof jti was already used (replay)');

  const fresh = nonces.current(now);
  return settings.requireNonce && nonce !== fresh ? { ok: true, jkt, nonce: fresh } : { ok: true, jkt };
}

/**
 * A proof for a DPoP-bound token must come from the bound key. Used by the
 * refresh grant, revocation and the API after validateDpopProof accepted the
 * request; the caller must neither rotate nor revoke on this error.
 */
export function checkDpopBinding(boundJkt: string | undefined, result: DpopAccepted): DpopError | undefined {
  if (boundJkt === undefined) return undefined;
  if (result.jkt === undefined) return invalid('This token is DPoP-bound: a DPoP proof from its key is required');
  if (result.jkt !== boundJkt) return invalid('DPoP proof key does not match the key this token is bound to');
  return undefined;
}

/** `WWW-Authenticate` for a resource's 401 (RFC 9449 §7.1). */
export function dpopChallenge(error: { error: string; error_description: string } | undefined, algorithms: string[]): string {
  const params = [`algs="${algorithms.join(' ')}"`];
  if (error) params.unshift(`error="${error.error}"`, `error_description="${error.error_description.replace(/["\\]/g, "'")}"`);
  return `DPoP ${params.join(', ')}`;
}
