/**
 * Minimal JWS (compact serialization) signature checking with WebCrypto, for
 * ID tokens: asymmetric algorithms only. Every failure is an
 * IdTokenValidationError (or `false` from verifyJws for a bad signature).
 */
import { errorText, IdTokenValidationError } from './errors.js';

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

export type VerifyParams = Algorithm | RsaPssParams | EcdsaParams;

const fail = (message: string): never => {
  throw new IdTokenValidationError(message);
};

/** Strict base64url (RFC 7515 §2): URL-safe alphabet, no padding, no whitespace. */
function b64url(text: string, what: string): Bytes {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) fail(`ID token ${what} is not base64url`);
  return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
}

export function parseJws(token: string): ParsedJws {
  const parts = token.split('.');
  if (parts.length !== 3) fail(`ID token is not a JWS compact serialization (${parts.length} parts, expected 3)`);
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = b64url(h, 'header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    fail('ID token header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) return fail('ID token header is not a JSON object');
  if ('crit' in header) fail('ID token header "crit" is not supported');
  if ('b64' in header) fail('ID token header "b64" is not supported');
  return {
    header: header as JwsHeader,
    signingInput: new TextEncoder().encode(`${h}.${p}`) as Bytes,
    payload: b64url(p, 'payload'),
    signature: b64url(s, 'signature'),
  };
}

/** The key type an allowed (asymmetric) alg needs; undefined for `none`, HS* and anything unknown. */
export const keyTypeOf = (alg: string): string | undefined =>
  /^[RP]S(256|384|512)$/.test(alg) ? 'RSA' : /^ES(256|384|512)$/.test(alg) ? 'EC' : /^Ed(DSA|25519)$/.test(alg) ? 'OKP' : undefined;

const EC_SIGNATURE_BYTES: Record<string, number> = { 'P-256': 64, 'P-384': 96, 'P-521': 132 };

/** What each allowed alg needs: key type, curve, import and verify parameters. */
function algorithm(alg: string): { kty: string; crv?: string; load: Algorithm; params: VerifyParams } {
  const m = /^(RS|PS|ES)(256|384|512)$/.exec(alg);
  if (m) {
    const hash = `SHA-${m[2]}`;
    if (m[1] === 'RS') return { kty: 'RSA', load: { name: 'RSASSA-PKCS1-v1_5', hash } as Algorithm, params: { name: 'RSASSA-PKCS1-v1_5' } };
    if (m[1] === 'PS') return { kty: 'RSA', load: { name: 'RSA-PSS', hash } as Algorithm, params: { name: 'RSA-PSS', saltLength: Number(m[2]) / 8 } };
    const crv = m[2] === '512' ? 'P-521' : `P-${m[2]}`;
    return { kty: 'EC', crv, load: { name: 'ECDSA', namedCurve: crv } as Algorithm, params: { name: 'ECDSA', hash } };
  }
  if (alg === 'EdDSA' || alg === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', load: { name: 'Ed25519' }, params: { name: 'Ed25519' } };
  return fail(`ID token algorithm "${alg}" is not supported`);
}

/** Bit length of an RSA modulus given as base64url big-endian bytes. */
function modulusBits(n: string): number {
  const bytes = b64url(n, 'key modulus');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return i === bytes.length ? 0 : (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** Import a JWKS key for verifying `alg`; only the key material members reach WebCrypto. */
export async function importVerifyKey(jwk: Jwk, alg: string): Promise<{ key: CryptoKey; params: VerifyParams }> {
  const a = algorithm(alg);
  if (jwk.kty !== a.kty) fail(`JWK kty "${jwk.kty}" does not fit ${alg} (needs ${a.kty})`);
  if (a.crv && jwk.crv !== a.crv) fail(`JWK crv "${jwk.crv}" does not fit ${alg} (needs ${a.crv})`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) fail('JWK key_ops does not allow "verify"');
  let material: JsonWebKey;
  if (a.kty === 'RSA') {
    if (typeof jwk.n !== 'string') return fail('JWK has no RSA modulus "n"');
    const bits = modulusBits(jwk.n);
    if (bits < 2048) fail(`RSA key is ${bits} bits; at least 2048 are required`);
    material = { kty: 'RSA', n: jwk.n, e: jwk.e };
  } else if (a.kty === 'EC') {
    material = { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  } else {
    material = { kty: 'OKP', crv: jwk.crv, x: jwk.x };
  }
  try {
    return { key: await globalThis.crypto.subtle.importKey('jwk', material, a.load, false, ['verify']), params: a.params };
  } catch (e) {
    return fail(`JWK could not be imported for ${alg}: ${errorText(e)}`);
  }
}

/** True when the signature is valid; a malformed ECDSA signature throws. */
export async function verifyJws(jws: ParsedJws, key: CryptoKey, params: VerifyParams): Promise<boolean> {
  if (params.name === 'ECDSA') {
    const expected = EC_SIGNATURE_BYTES[(key.algorithm as EcKeyAlgorithm).namedCurve];
    if (jws.signature.length !== expected) fail(`ECDSA signature is ${jws.signature.length} bytes, expected ${expected}`);
  }
  try {
    return await globalThis.crypto.subtle.verify(params, key, jws.signature, jws.signingInput);
  } catch (e) {
    return fail(`Signature could not be checked: ${errorText(e)}`);
  }
}
