import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdTokenValidationError } from '../../src/errors.js';
import { importVerifyKey, parseJws, type Jwk } from '../../src/protocol/jws.js';

const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
const PAYLOAD = JSON.stringify({ iss: 'https://op.rotor.test/', sub: 'user-1' });

type Signer = { alg: string; privateKey: CryptoKey; jwk: JWK };
async function signer(alg: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, jwk: await exportJWK(publicKey) };
}
function sign(s: Signer, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(PAYLOAD)).setProtectedHeader({ alg: s.alg, ...header }).sign(s.privateKey);
}
async function verify(token: string, jwk: Jwk, alg: string): Promise<boolean> {
  return (await importVerifyKey(jwk, alg))(parseJws(token));
}

/** Runs fn and returns the IdTokenValidationError it throws (sync or async). */
async function rejection(fn: () => unknown): Promise<IdTokenValidationError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IdTokenValidationError);
    expect((e as IdTokenValidationError).error).toBe('invalid_id_token');
    return e as IdTokenValidationError;
  }
  throw new Error('expected an IdTokenValidationError');
}

const ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const signers: Record<string, Signer> = {};
beforeAll(async () => {
  for (const alg of ALGS) signers[alg] = await signer(alg);
});

describe('importVerifyKey verifier', () => {
  it.each(ALGS)('verifies a %s signature made by jose and returns header and payload', async (alg) => {
    const s = signers[alg]!;
    const token = await sign(s, { kid: 'k1' });
    const jws = parseJws(token);
    expect(jws.header).toEqual({ alg, kid: 'k1' });
    expect(new TextDecoder().decode(jws.payload)).toBe(PAYLOAD);
    // JWKS members WebCrypto would object to (alg, use, key_ops, ext) are not passed on.
    const jwk = { ...s.jwk, kid: 'k1', alg, use: 'sig', key_ops: ['verify'], ext: true };
    expect(await (await importVerifyKey(jwk, alg))(jws)).toBe(true);
  });

  it.each(ALGS)('returns false for a %s signature with one bit flipped', async (alg) => {
    const s = signers[alg]!;
    const [h, p, sig] = (await sign(s)).split('.');
    const bytes = Buffer.from(sig!, 'base64url');
    bytes[bytes.length >> 1]! ^= 0x01;
    expect(await verify(`${h}.${p}.${b64(bytes)}`, s.jwk, alg)).toBe(false);
  });

  it.each(ALGS)('returns false for a %s signature checked with another key', async (alg) => {
    const other = await signer(alg);
    expect(await verify(await sign(signers[alg]!), other.jwk, alg)).toBe(false);
  });

  it('returns false when the payload was changed after signing', async () => {
    const s = signers.RS256!;
    const [h, , sig] = (await sign(s)).split('.');
    expect(await verify(`${h}.${b64('{"sub":"admin"}')}.${sig}`, s.jwk, 'RS256')).toBe(false);
  });
});

describe('importVerifyKey', () => {
  it('rejects an RSA key shorter than 2048 bits', async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as Jwk;
    const input = `${b64('{"alg":"RS256"}')}.${b64(PAYLOAD)}`;
    const sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pair.privateKey, new TextEncoder().encode(input)));
    const e = await rejection(() => verify(`${input}.${b64(sig)}`, jwk, 'RS256'));
    expect(e.message).toBe('RSA key is 1024 bits, expected 2048+');
  });

  it('rejects a JWK whose kty or crv does not fit the algorithm', async () => {
    const kid = (jwk: Jwk) => ({ ...jwk, kid: 'k1' });
    expect((await rejection(() => importVerifyKey(kid(signers.RS256!.jwk), 'ES256'))).message).toBe('JWK (kty RSA, crv undefined, kid k1) cannot verify ES256');
    expect((await rejection(() => importVerifyKey(signers.ES256!.jwk, 'RS256'))).message).toBe('JWK (kty EC, crv P-256, kid undefined) cannot verify RS256');
    expect((await rejection(() => importVerifyKey(signers.ES384!.jwk, 'ES256'))).message).toBe('JWK (kty EC, crv P-384, kid undefined) cannot verify ES256');
    expect((await rejection(() => importVerifyKey(signers.EdDSA!.jwk, 'PS256'))).message).toBe('JWK (kty OKP, crv Ed25519, kid undefined) cannot verify PS256');
    const ed448 = { ...signers.EdDSA!.jwk, crv: 'Ed448' };
    expect((await rejection(() => importVerifyKey(ed448, 'EdDSA'))).message).toBe('JWK (kty OKP, crv Ed448, kid undefined) cannot verify EdDSA');
  });

  it('rejects a JWK whose key_ops, use or alg rule out verifying this alg', async () => {
    const jwk = signers.ES256!.jwk;
    for (const bad of [{ key_ops: ['sign'] }, { key_ops: 'verify' }, { use: 'enc' }, { alg: 'ES384' }]) {
      expect((await rejection(() => importVerifyKey({ ...jwk, ...bad } as Jwk, 'ES256'))).message).toBe('JWK (kty EC, crv P-256, kid undefined) cannot verify ES256');
    }
    await expect(importVerifyKey({ ...jwk, key_ops: ['verify'], use: 'sig', alg: 'ES256' } as Jwk, 'ES256')).resolves.toBeDefined();
  });

  it('rejects symmetric and unknown algorithms', async () => {
    expect((await rejection(() => importVerifyKey({ kty: 'oct', k: 'eHh4' }, 'HS256'))).message).toBe('ID token alg "HS256" is not allowed (asymmetric only)');
    expect((await rejection(() => importVerifyKey(signers.RS256!.jwk, 'none'))).message).toBe('ID token alg "none" is not allowed (asymmetric only)');
  });

  it('rejects key material WebCrypto cannot import (with WebCrypto\'s error; verifyIdToken reports it typed)', async () => {
    await expect(importVerifyKey({ ...signers.ES256!.jwk, x: 'AAAA' }, 'ES256')).rejects.toThrow();
    const { n: _n, ...noModulus } = signers.RS256!.jwk;
    await expect(importVerifyKey(noModulus, 'RS256')).rejects.toThrow();
  });
});

describe('parseJws', () => {
  it('rejects a "crit" header (any value) and a "b64" header', async () => {
    const s = signers.ES256!;
    const [, p, sig] = (await sign(s)).split('.');
    for (const crit of [['exp'], [], null]) {
      const token = `${b64(JSON.stringify({ alg: 'ES256', crit }))}.${p}.${sig}`;
      expect((await rejection(() => parseJws(token))).message).toBe('ID token header "crit" is not supported');
    }
    const b64Header = `${b64(JSON.stringify({ alg: 'ES256', b64: true }))}.${p}.${sig}`;
    expect((await rejection(() => parseJws(b64Header))).message).toBe('ID token header "b64" is not supported');
  });

  it('rejects characters outside the base64url alphabet and padding', async () => {
    const [h, p, sig] = (await sign(signers.ES256!)).split('.') as [string, string, string];
    expect((await rejection(() => parseJws(`${h}.${p.slice(0, 4)}+${p.slice(5)}.${sig}`))).message).toBe('ID token payload is not base64url');
    expect((await rejection(() => parseJws(`${h}.${p}.${sig.slice(0, 10)}/${sig.slice(11)}`))).message).toBe('ID token signature is not base64url');
    expect((await rejection(() => parseJws(`${h}=.${p}.${sig}`))).message).toBe('ID token header is not base64url');
    expect((await rejection(() => parseJws(`${h}.${p} .${sig}`))).message).toBe('ID token payload is not base64url');
    expect(h.length % 4).toBe(0);
    expect((await rejection(() => parseJws(`${h}A.${p}.${sig}`))).message).toBe('ID token header is not base64url'); // 4n+1 characters
  });

  it('requires exactly three parts', async () => {
    const [h, p, sig] = (await sign(signers.ES256!)).split('.');
    expect((await rejection(() => parseJws(`${h}.${p}`))).message).toBe('ID token has 2 parts, expected 3');
    expect((await rejection(() => parseJws(`${h}.${p}.${sig}.${sig}`))).message).toBe('ID token has 4 parts, expected 3');
    expect((await rejection(() => parseJws('opaque'))).message).toBe('ID token has 1 parts, expected 3');
  });

  it('requires the header to be a JSON object', async () => {
    expect((await rejection(() => parseJws(`${b64('{"alg":')}.${b64(PAYLOAD)}.`))).message).toBe('ID token header is not a JSON object');
    for (const json of ['[]', 'null', '"RS256"', '1']) {
      expect((await rejection(() => parseJws(`${b64(json)}.${b64(PAYLOAD)}.`))).message).toBe('ID token header is not a JSON object');
    }
  });

  it('rejects an ES256 signature of the wrong length before verifying', async () => {
    const s = signers.ES256!;
    const [h, p, sig] = (await sign(s)).split('.');
    const bytes = Buffer.from(sig!, 'base64url');
    expect(bytes.length).toBe(64);
    for (const wrong of [Buffer.concat([bytes, Buffer.from([0])]), bytes.subarray(0, 63), Buffer.alloc(0)]) {
      const e = await rejection(() => verify(`${h}.${p}.${b64(wrong)}`, s.jwk, 'ES256'));
      expect(e.message).toBe(`ECDSA signature is ${wrong.length} bytes, expected 64`);
    }
    // An ES384-sized signature against a P-384 key is the right length: only the signature itself fails.
    const s384 = signers.ES384!;
    const [h384, p384] = (await sign(s384)).split('.');
    expect(await verify(`${h384}.${p384}.${b64(Buffer.alloc(96, 1))}`, s384.jwk, 'ES384')).toBe(false);
  });
});
