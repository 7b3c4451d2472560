/**
 * DPoP keys and proofs (RFC 9449 §4.2) with WebCrypto: a non-extractable
 * ECDSA P-256 key pair, its RFC 7638 thumbprint (`jkt`), and ES256 proofs.
 */
import { base64url, randomString, s256Challenge, utf8 } from '../protocol/pkce.js';

/** The public JWK in a proof header: exactly the RFC 7638 members of an EC key. */
export interface DpopPublicJwk {
  crv: string;
  kty: string;
  x: string;
  y: string;
}

/** A key pair ready to sign: the public JWK and its thumbprint are computed once. */
export interface DpopKey {
  pair: CryptoKeyPair;
  jwk: DpopPublicJwk;
  /** RFC 7638 SHA-256 thumbprint of `jwk`, base64url. */
  jkt: string;
}

export interface DpopProofParams {
  url: string;
  method: string;
  nonce?: string;
  /** When given, the proof carries `ath` = base64url(SHA-256(accessToken)). */
  accessToken?: string;
  /** Milliseconds on the server's clock (the SDK's clock corrected by the estimated offset); default Date.now. */
  now?: () => number;
}

const b64json = (value: unknown): string => base64url(utf8(JSON.stringify(value)));

/** base64url(SHA-256(UTF-8 text)): `ath` and the JWK thumbprint. */
export const sha256 = s256Challenge;

/** RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, no whitespace. */
export const jwkThumbprint = ({ crv, kty, x, y }: DpopPublicJwk): Promise<string> => sha256(JSON.stringify({ crv, kty, x, y }));

/** Wrap a stored or new key pair (exports the public half, which WebCrypto always allows). */
export async function toDpopKey(pair: CryptoKeyPair): Promise<DpopKey> {
  const { crv, kty, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as DpopPublicJwk;
  const jwk = { crv, kty, x, y }; // the RFC 7638 members, in its order
  return { pair, jwk, jkt: await sha256(JSON.stringify(jwk)) };
}

/** A fresh P-256 key pair whose private key can never be exported (the client checked for WebCrypto: see dpopFor). */
export async function generateDpopKey(): Promise<DpopKey> {
  return toDpopKey(await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']));
}

/** `htu`: the target URI without query and fragment (RFC 9449 §4.2). */
export function htu(url: string): string {
  const u = new URL(url);
  u.search = u.hash = '';
  return u.href;
}

/** A DPoP proof JWT for one request (members left undefined are not in the JSON). */
export async function createDpopProof(key: DpopKey, p: DpopProofParams): Promise<string> {
  const payload = {
    jti: randomString(16),
    htm: p.method.toUpperCase(),
    htu: htu(p.url),
    iat: Math.floor((p.now ?? Date.now)() / 1000),
    nonce: p.nonce || undefined,
    ath: p.accessToken === undefined ? undefined : await sha256(p.accessToken),
  };
  const input = `${b64json({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })}.${b64json(payload)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.pair.privateKey, utf8(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}
