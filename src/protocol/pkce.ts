/** PKCE (RFC 7636, S256 only), state and nonce from WebCrypto. */
import { GenericError } from '../errors.js';

const crypto_ = (): Crypto => {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle || typeof c.getRandomValues !== 'function') {
    throw new GenericError('not_supported', 'WebCrypto is required');
  }
  return c;
};

export const base64url = (bytes: Uint8Array): string => {
  // Hashes, random values, signatures and DPoP proof parts: at most a few KB, far below the argument-count limit.
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** 32 random bytes, base64url: 43 characters from the unreserved set. */
export const randomString = (byteLength = 32): string => {
  return base64url(crypto_().getRandomValues(new Uint8Array(byteLength)));
};

export const createCodeVerifier = (): string => randomString(32);
export const createState = (): string => randomString(32);
export const createNonce = (): string => randomString(32);

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** base64url(SHA-256(UTF-8 text)): the PKCE S256 challenge (BASE64URL(SHA-256(ASCII(verifier)))), DPoP `ath` and the JWK thumbprint. */
export const s256Challenge = async (text: string): Promise<string> => {
  return base64url(new Uint8Array(await crypto_().subtle.digest('SHA-256', utf8(text))));
};
