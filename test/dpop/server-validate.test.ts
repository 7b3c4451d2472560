import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { resolveDpopOptions } from '../../src/mock-server/dpop/options.js';
import { DpopNonces, DpopReplayCache } from '../../src/mock-server/dpop/state.js';
import { accessTokenHash, checkDpopBinding, dpopChallenge, validateDpopProof, type DpopResult } from '../../src/mock-server/dpop/validate.js';
import { proofKey, serverContext, signProof, T0, TOKEN_URL } from './helpers.js';

const post = (proof: string | null | undefined, extra: { url?: string; method?: string; accessToken?: string } = {}) => ({
  proof,
  method: extra.method ?? 'POST',
  url: extra.url ?? TOKEN_URL,
  accessToken: extra.accessToken,
});

function expectInvalid(result: DpopResult, description: RegExp): void {
  expect(result).toMatchObject({ ok: false, error: 'invalid_dpop_proof', error_description: expect.stringMatching(description) });
}

describe('validateDpopProof: accepted proofs', () => {
  it('returns the RFC 7638 thumbprint of the proof key', async () => {
    const key = await proofKey();
    const result = await validateDpopProof(post(await signProof(key)), serverContext());
    expect(result).toEqual({ ok: true, jkt: await calculateJwkThumbprint(key.jwk) });
  });

  it.each(['ES384', 'PS256', 'RS256', 'EdDSA'])('accepts the asymmetric algorithm %s', async (alg) => {
    const key = await proofKey(alg);
    const result = await validateDpopProof(post(await signProof(key)), serverContext());
    expect(result).toMatchObject({ ok: true, jkt: await calculateJwkThumbprint(key.jwk) });
  });

  it('ignores query and fragment and compares htu normalised', async () => {
    const key = await proofKey();
    const ctx = serverContext();
    const proof = await signProof(key, { htu: 'HTTPS://AS.rotor.test:443/oauth/token?x=1#frag' });
    expect(await validateDpopProof(post(proof, { url: `${TOKEN_URL}?y=2` }), ctx)).toMatchObject({ ok: true });
  });

  it('accepts a proof whose iat is at the edge of the window', async () => {
    const key = await proofKey();
    const ctx = serverContext({ iatWindow: 60 });
    const proof = await signProof(key, { iat: Math.floor(T0 / 1000) - 60 });
    expect(await validateDpopProof(post(proof), ctx)).toMatchObject({ ok: true });
  });
});

describe('validateDpopProof: modes', () => {
  it('off: ignores the header entirely, even garbage', async () => {
    expect(await validateDpopProof(post('not-a-jwt'), serverContext({ mode: 'off' }))).toEqual({ ok: true });
  });

  it('optional: no proof is fine and binds nothing', async () => {
    expect(await validateDpopProof(post(null), serverContext())).toEqual({ ok: true });
    expect(await validateDpopProof(post(''), serverContext())).toEqual({ ok: true });
  });

  it('required: no proof is invalid_dpop_proof', async () => {
    expectInvalid(await validateDpopProof(post(undefined), serverContext({ mode: 'required' })), /required/);
  });
});

describe('validateDpopProof: every rejection rule', () => {
  it('two DPoP headers (comma-joined)', async () => {
    const key = await proofKey();
    const p = await signProof(key);
    expectInvalid(await validateDpopProof(post(`${p}, ${p}`), serverContext()), /Exactly one/);
  });

  it('not a JWT', async () => {
    expectInvalid(await validateDpopProof(post('abc.def'), serverContext()), /not a JWT/);
  });

  it('typ other than dpop+jwt', async () => {
    const key = await proofKey();
    expectInvalid(await validateDpopProof(post(await signProof(key, {}, { typ: 'JWT' })), serverContext()), /typ/);
    expectInvalid(await validateDpopProof(post(await signProof(key, {}, { typ: undefined })), serverContext()), /typ/);
  });

  it('a symmetric algorithm (HS256)', async () => {
    const key = await proofKey();
    const secret = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
    const proof = await signProof({ ...key, alg: 'HS256' }, {}, { jwk: { kty: 'oct', k: 'MDEy' } }, secret as never);
    expectInvalid(await validateDpopProof(post(proof), serverContext()), /alg "HS256" is not accepted/);
  });

  it('alg none', async () => {
    const key = await proofKey();
    const [, payload] = (await signProof(key)).split('.');
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk })).toString('base64url');
    expectInvalid(await validateDpopProof(post(`${header}.${payload}.`), serverContext()), /alg "none"/);
  });

  it('an asymmetric alg outside the configured allow-list', async () => {
    const key = await proofKey('RS256');
    expectInvalid(await validateDpopProof(post(await signProof(key)), serverContext({ algorithms: ['ES256'] })), /RS256.*not accepted/);
  });

  it('no jwk header', async () => {
    const key = await proofKey();
    expectInvalid(await validateDpopProof(post(await signProof(key, {}, { jwk: undefined })), serverContext()), /jwk/);
  });

  it('a jwk with private key members', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    expect(privateJwk.d).toBeTypeOf('string');
    const key = await proofKey();
    const proof = await signProof({ ...key, jwk: privateJwk }, {}, {}, privateKey);
    expectInvalid(await validateDpopProof(post(proof), serverContext()), /public key/);
  });

  it('a tampered payload (bad signature)', async () => {
    const key = await proofKey();
    const [h, , s] = (await signProof(key)).split('.');
    const forged = Buffer.from(JSON.stringify({ jti: 'x', htm: 'POST', htu: TOKEN_URL, iat: T0 / 1000 })).toString('base64url');
    expectInvalid(await validateDpopProof(post(`${h}.${forged}.${s}`), serverContext()), /signature/);
  });

  it('a jwk that is not the signing key', async () => {
    const key = await proofKey();
    const other = await proofKey();
    expectInvalid(await validateDpopProof(post(await signProof(key, {}, {}, other.privateKey)), serverContext()), /signature/);
  });

  it('a payload that is not a JSON object', async () => {
    const key = await proofKey();
    const { CompactSign } = await import('jose');
    const proof = await new CompactSign(new TextEncoder().encode('[1,2]'))
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })
      .sign(key.privateKey);
    expectInvalid(await validateDpopProof(post(proof), serverContext()), /JSON object/);
  });

  it.each([
    ['jti', /jti/],
    ['htm', /htm/],
    ['htu', /htu/],
    ['iat', /iat/],
  ])('missing %s', async (claim, message) => {
    const key = await proofKey();
    expectInvalid(await validateDpopProof(post(await signProof(key, { [claim]: undefined })), serverContext()), message);
  });

  it('a non-string nonce', async () => {
    const key = await proofKey();
    expectInvalid(await validateDpopProof(post(await signProof(key, { nonce: 42 })), serverContext()), /nonce must be a string/);
  });

  it('htm that is not the request method', async () => {
    const key = await proofKey();
    expectInvalid(await validateDpopProof(post(await signProof(key, { htm: 'GET' })), serverContext()), /htm/);
    expectInvalid(await validateDpopProof(post(await signProof(key, { htm: 'post' })), serverContext()), /htm/);
  });

  it('htu of another endpoint, host or scheme', async () => {
    const key = await proofKey();
    for (const htu of ['https://as.rotor.test/oauth/revoke', 'https://evil.test/oauth/token', 'http://as.rotor.test/oauth/token', 'not a url']) {
      expectInvalid(await validateDpopProof(post(await signProof(key, { htu })), serverContext()), /htu/);
    }
  });

  it('iat outside the window (either side): use_dpop_nonce with a fresh nonce, which then succeeds', async () => {
    const key = await proofKey();
    const ctx = serverContext({ iatWindow: 60 });
    for (const iat of [T0 / 1000 - 61, T0 / 1000 + 61]) {
      const result = await validateDpopProof(post(await signProof(key, { iat })), ctx);
      expect(result).toMatchObject({ ok: false, error: 'use_dpop_nonce', nonce: expect.any(String) });
      const nonce = (result as { nonce: string }).nonce;
      // A skewed client recovers: same skewed iat, now with the server's nonce.
      expect(await validateDpopProof(post(await signProof(key, { iat, nonce })), ctx)).toMatchObject({ ok: true });
    }
  });

  it('replayed jti', async () => {
    const key = await proofKey();
    const ctx = serverContext();
    const proof = await signProof(key);
    expect(await validateDpopProof(post(proof), ctx)).toMatchObject({ ok: true });
    expectInvalid(await validateDpopProof(post(proof), ctx), /replay/);
  });

  it('a replay is refused for as long as the proof could still be accepted (future-dated iat)', async () => {
    const key = await proofKey();
    const ctx = serverContext({ iatWindow: 60, nonce: { rotation: 10 } });
    // Accepted through a nonce at T0 although dated a full window ahead: on iat alone it stays acceptable until T0 + 120 s.
    const challenge = await validateDpopProof(post(await signProof(key)), ctx);
    const proof = await signProof(key, { iat: T0 / 1000 + 60, nonce: (challenge as { nonce: string }).nonce });
    expect(await validateDpopProof(post(proof), ctx)).toMatchObject({ ok: true });
    // Without nonces: window 400 s (longer than two default nonce periods), dated 400 s ahead, replayed 700 s later.
    const noNonce = await signProof(key, { iat: T0 / 1000 + 400, jti: 'future' });
    const plain = serverContext({ iatWindow: 400 });
    expect(await validateDpopProof(post(noNonce), plain)).toMatchObject({ ok: true });
    plain.advance(700);
    expectInvalid(await validateDpopProof(post(noNonce), plain), /replay/);
    ctx.advance(15);
    expectInvalid(await validateDpopProof(post(proof), ctx), /replay/);
  });

  it('the same jti from two different keys is not a replay', async () => {
    const ctx = serverContext();
    expect(await validateDpopProof(post(await signProof(await proofKey(), { jti: 'same' })), ctx)).toMatchObject({ ok: true });
    expect(await validateDpopProof(post(await signProof(await proofKey(), { jti: 'same' })), ctx)).toMatchObject({ ok: true });
  });

  it('ath: missing, wrong, or right for the access token', async () => {
    const key = await proofKey();
    const ctx = serverContext();
    const api = { url: 'https://api.rotor.test/api/private', method: 'GET', accessToken: 'at-1' };
    const claims = { htm: 'GET', htu: api.url };
    expectInvalid(await validateDpopProof(post(await signProof(key, claims), api), ctx), /must carry ath/);
    expectInvalid(await validateDpopProof(post(await signProof(key, { ...claims, ath: accessTokenHash('at-2') }), api), ctx), /ath does not match/);
    expect(await validateDpopProof(post(await signProof(key, { ...claims, ath: accessTokenHash('at-1') }), api), ctx)).toMatchObject({ ok: true });
  });
});

describe('validateDpopProof: server nonces', () => {
  it('required nonce missing → use_dpop_nonce; with it → accepted; a stale one → a new nonce', async () => {
    const key = await proofKey();
    const ctx = serverContext({ nonce: { rotation: 60 } });
    const first = await validateDpopProof(post(await signProof(key)), ctx);
    expect(first).toMatchObject({ ok: false, error: 'use_dpop_nonce', error_description: expect.stringMatching(/required/) });
    const n1 = (first as { nonce: string }).nonce;
    expect(await validateDpopProof(post(await signProof(key, { nonce: n1 })), ctx)).toEqual({ ok: true, jkt: await calculateJwkThumbprint(key.jwk) });

    // One rotation later the previous nonce still works, and the answer carries the new one.
    ctx.advance(60);
    const rotated = await validateDpopProof(post(await signProof(key, { nonce: n1, iat: ctx.now / 1000 })), ctx);
    expect(rotated).toMatchObject({ ok: true, nonce: expect.any(String) });
    const n2 = (rotated as { nonce: string }).nonce;
    expect(n2).not.toBe(n1);

    // Two rotations later it is stale.
    ctx.advance(60);
    const stale = await validateDpopProof(post(await signProof(key, { nonce: n1, iat: ctx.now / 1000 })), ctx);
    expect(stale).toMatchObject({ ok: false, error: 'use_dpop_nonce', error_description: expect.stringMatching(/invalid or expired/) });
    expect((stale as { nonce: string }).nonce).not.toBe(n1);
  });

  it('an unknown nonce → use_dpop_nonce even when nonces are optional', async () => {
    const key = await proofKey();
    const result = await validateDpopProof(post(await signProof(key, { nonce: 'made-up' })), serverContext());
    expect(result).toMatchObject({ ok: false, error: 'use_dpop_nonce', nonce: expect.any(String) });
  });
});

describe('DpopNonces and DpopReplayCache', () => {
  it('rotates on the server clock only', () => {
    const nonces = new DpopNonces(1000);
    const a = nonces.current(0);
    expect(nonces.current(999)).toBe(a);
    const b = nonces.current(1000);
    expect(b).not.toBe(a);
    expect(nonces.accepts(a, 1500)).toBe(true);
    expect(nonces.accepts(a, 2000)).toBe(false);
    expect(nonces.accepts('', 2000)).toBe(false);
  });

  it('a clock moved backwards rotates and forgets the previous nonce', () => {
    const nonces = new DpopNonces(1000);
    const a = nonces.current(5000);
    expect(nonces.current(4000)).not.toBe(a);
    expect(nonces.accepts(a, 4000)).toBe(false);
  });

  it('remembers a jti until it expires, and stays bounded', () => {
    const cache = new DpopReplayCache(3);
    expect(cache.add('a', 100, 0)).toBe(true);
    expect(cache.add('a', 200, 50)).toBe(false);
    expect(cache.add('a', 200, 100)).toBe(true);
    for (const id of ['b', 'c', 'd', 'e']) expect(cache.add(id, 1000, 150)).toBe(true);
    expect(cache.size).toBe(3);
    // Expired entries go first, then the oldest: 'e' is still remembered.
    expect(cache.add('e', 1000, 150)).toBe(false);
  });
});

describe('checkDpopBinding and dpopChallenge', () => {
  it('accepts only the bound key', () => {
    expect(checkDpopBinding(undefined, { ok: true })).toBeUndefined();
    expect(checkDpopBinding('jkt-1', { ok: true, jkt: 'jkt-1' })).toBeUndefined();
    expect(checkDpopBinding('jkt-1', { ok: true })).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringMatching(/required/) });
    expect(checkDpopBinding('jkt-1', { ok: true, jkt: 'jkt-2' })).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringMatching(/does not match/) });
  });

  it('builds a WWW-Authenticate DPoP challenge', () => {
    expect(dpopChallenge(undefined, ['ES256'])).toBe('DPoP algs="ES256"');
    expect(dpopChallenge({ error: 'use_dpop_nonce', error_description: 'say "hi"' }, ['ES256', 'RS256'])).toBe(
      `DPoP error="use_dpop_nonce", error_description="say 'hi'", algs="ES256 RS256"`,
    );
  });
});

describe('resolveDpopOptions', () => {
  it('defaults', () => {
    expect(resolveDpopOptions()).toMatchObject({ mode: 'optional', requireNonce: false, nonceRotation: 300, iatWindow: 300, replayCacheSize: 10_000 });
    expect(resolveDpopOptions({ nonce: true })).toMatchObject({ requireNonce: true, nonceRotation: 300 });
  });

  it.each([
    [{ mode: 'on' as never }, /dpop must be/],
    [{ algorithms: ['HS256'] }, /HS256/],
    [{ algorithms: [] }, /non-empty/],
    [{ iatWindow: 0 }, /iatWindow/],
    [{ nonce: { rotation: -1 } }, /rotation/],
  ])('rejects %j', (options, message) => {
    expect(() => resolveDpopOptions(options)).toThrow(message);
  });
});
