/**
 * Minimal JWS (compact serialization) signature checking with WebCrypto, for
 * ID tokens: asymmetric algorithms only. Every failure is an
 * IdTokenValidationError (or `false` from verifyJws for a bad signature).
 */
import { IdTokenValidationError } from '../errors.js';
import { obj, parseJson } from '../shape.js';
import { utf8 } from './pkce.js';

type Bytes = Uint8Array<ArrayBuffer>;

export interface JwsHeader {
  alg?: unknown;
  kid?: unknown;
  [member: string]: unknown;
}

export interface ParsedJws {
  header: JwsHeader;
  /** ASCII bytes of `header.payload` (the base64url text, as signed). */
  signingInput: Bytes;
  signature: Bytes;
  payload: Bytes;
}

/** A public JWK as found in a JWKS (only the members used here are typed). */
export interface Jwk {
  kty?: string;
  kid?: string;
  use?: string;
  alg?: string;
  key_ops?: string[];
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  [member: string]: unknown;
}

/** WebCrypto parameters of an allowed alg: one object serves importKey and verify (members a step does not use are ignored). */
export type VerifyParams = Algorithm & { hash?: string; namedCurve?: string; saltLength?: number };

export const fail = (message: string, reason?: 'clock' | 'keys_unavailable'): never => {
  throw new IdTokenValidationError(message, reason);
};

/** Strict base64url (RFC 7515 §2): URL-safe alphabet, no padding, no whitespace. */
const b64url = (text: string, what: string): Bytes => {
  if (!/^[\w-]*$/.test(text) || text.length % 4 === 1) fail(`ID token ${what} is not base64url`);
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(bin.length); // a loop: Uint8Array.from(bin, fn) is ten times slower
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
};

/** UTF-8 JSON object (header, payload); anything else fails. */
export const jsonObject = (bytes: Bytes, what: string): Record<string, unknown> => {
  let v;
  try {
    v = parseJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // not JSON: fails below
  }
  return obj(v) ? v : fail(`ID token ${what} is not a JSON object`);
};

export function parseJws(token: string): ParsedJws {
  const parts = token.split('.');
  if (parts.length !== 3) fail(`ID token has ${parts.length} parts, expected 3`);
  const [h, p, s] = parts as [string, string, string];
  const header = jsonObject(b64url(h, 'header'), 'header');
  for (const m of ['crit', 'b64']) if (m in header) fail(`ID token header "${m}" is not supported`);
  return {
    header,
    signingInput: utf8(`${h}.${p}`),
    payload: b64url(p, 'payload'),
    signature: b64url(s, 'signature'),
  };
}

/** What an allowed (asymmetric) alg needs: key type, curve, WebCrypto parameters; undefined for `none`, HS* and anything unknown. */
const algorithm = (alg: string): { kty: string; crv?: string; params: VerifyParams } | undefined => {
  const m = /^(RS|PS|ES)(256|384|512)$/.exec(alg);
  if (m) {
    const [, family, bits] = m as unknown as [string, string, string];
    const crv = family === 'ES' ? `P-${bits === '512' ? 521 : bits}` : undefined;
    const name = family === 'RS' ? 'RSASSA-PKCS1-v1_5' : family === 'PS' ? 'RSA-PSS' : 'ECDSA';
    return { kty: crv ? 'EC' : 'RSA', crv, params: { name, hash: `SHA-${bits}`, namedCurve: crv, saltLength: +bits / 8 } };
  }
  if (/^Ed(DSA|25519)$/.test(alg)) return { kty: 'OKP', crv: 'Ed25519', params: { name: 'Ed25519' } };
};

/** The key type an allowed (asymmetric) alg needs; undefined for `none`, HS* and anything unknown. */
export const keyTypeOf = (alg: string): string | undefined => algorithm(alg)?.kty;

/** Whether a JWK may verify `alg` by its kty, use, alg and key_ops (the JWKS selection; importVerifyKey also checks crv). */
export const usable = (k: Jwk, alg: string): boolean =>
  k.kty === keyTypeOf(alg) &&
  (k.use ?? 'sig') === 'sig' &&
  (k.alg ?? alg) === alg &&
  (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes('verify')));

/** `alg` of an ID token header when it is an allowed (asymmetric) one; anything else fails. */
export const allowedAlg = (alg: unknown): string =>
  typeof alg === 'string' && keyTypeOf(alg) ? alg : fail(`ID token alg ${JSON.stringify(alg)} is not allowed (asymmetric only)`);

/**
 * Import a JWKS key for verifying `alg` (only the key material members reach WebCrypto); returns the verifier: true
 * when the signature is valid; a malformed ECDSA signature throws (so does WebCrypto: JwksCache.verify reports either).
 */
export const importVerifyKey = async (jwk: Jwk, alg: string): Promise<(jws: ParsedJws) => Promise<boolean>> => {
  const { crv: want, params } = algorithm(allowedAlg(alg))!;
  const { kty, crv, n, e, x, y } = jwk;
  if (!usable(jwk, alg) || crv !== (want ?? crv)) fail(`JWK (kty ${kty}, crv ${crv}, kid ${jwk.kid}) cannot verify ${alg}`);
  // Key material WebCrypto refuses rejects with its error (JwksCache.verify reports it as an IdTokenValidationError).
  const key = await crypto.subtle.importKey('jwk', { kty, crv, n, e, x, y }, params, false, ['verify']);
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (bits < 2048) fail(`RSA key is ${bits} bits, expected 2048+`);
  // P-256 64 bytes, P-384 96, P-521 132: r and s, each padded to the curve's byte length.
  const expected = params.namedCurve && Math.ceil(+params.namedCurve.slice(2) / 8) * 2;
  return ({ signature, signingInput }) => {
    if (expected && signature.length !== expected) fail(`ECDSA signature is ${signature.length} bytes, expected ${expected}`);
    return crypto.subtle.verify(params, key, signature, signingInput);
  };
};
