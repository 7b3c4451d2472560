import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { derInteger, selfSignedCertificate } from '../../src/mock-server/tls.js';
import { get, login } from './helpers.js';

const big = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);

describe('self-signed certificate: DER integers', () => {
  it('property: derInteger is minimal, positive and keeps the value (serials starting 0x00 0x7f included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.nat(3), (bytes, zeros) => {
        const input = new Uint8Array([...Array(zeros).fill(0), ...bytes]);
        const der = derInteger(input);
        expect(der[0]).toBe(0x02);
        const content = der.subarray(2, 2 + der[1]!);
        expect(der[1]).toBe(content.length);
        expect(content[0]! & 0x80).toBe(0); // positive
        if (content.length > 1) expect(content[0] === 0 && (content[1]! & 0x80) === 0).toBe(false); // minimal
        expect(big(content)).toBe(big(input));
      }),
      { numRuns: 5000 },
    );
    expect([...derInteger(new Uint8Array([0x00, 0x7f, 0x01]))]).toEqual([0x02, 0x02, 0x7f, 0x01]);
    expect([...derInteger(new Uint8Array([0x00, 0x00]))]).toEqual([0x02, 0x01, 0x00]);
  });

  it('property: OpenSSL parses every one of 2,000 generated certificates', () => {
    for (let i = 0; i < 2000; i++) {
      const { cert } = selfSignedCertificate('127.0.0.1', 1);
      const x = new X509Certificate(cert);
      expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(x.verify(x.publicKey)).toBe(true);
    }
  });
});

describe('signing keys', () => {
  it('servers share one default key set per process; rotateKeys() is per instance', async () => {
    const a = createMockServer();
    const b = createMockServer();
    const jwksA = (await (await get(a, '/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> };
    const jwksB = (await (await get(b, '/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> };
    expect(jwksA.keys.map((k) => k.kid)).toEqual(jwksB.keys.map((k) => k.kid));
    const { kid } = await a.control.rotateKeys();
    const after = (await (await get(a, '/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> };
    expect(after.keys[0]!.kid).toBe(kid);
    const bAfter = (await (await get(b, '/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> };
    expect(bAfter.keys.map((k) => k.kid)).toEqual(jwksB.keys.map((k) => k.kid));
  });

  it('the keys option signs with your own key (its kid published, tokens verify against it)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'mine-1' } as JsonWebKey & { kid: string };
    const s = createMockServer({ autoLogin: 'user-1', signingAlg: 'ES256', keys: [{ privateJwk }] });
    const jwks = (await (await get(s, '/.well-known/jwks.json')).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['mine-1']);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const t = await login(s);
    const { protectedHeader } = await jwtVerify(t.id_token!, createLocalJWKSet(jwks as never), { issuer: 'http://127.0.0.1:4000/' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'mine-1' });
  });

  it('a malformed key is an option error naming the field', () => {
    expect(() => createMockServer({ keys: [{ privateJwk: { kty: 'EC' } as never }] })).toThrow('option keys[0].privateJwk.kid: expected a non-empty string');
  });
});
