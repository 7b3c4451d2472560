import { describe, expect, it } from 'vitest';
import { createDpopServerState, parseAuthorization, validateDpopProof } from '../../src/mock-server/dpop/index.js';
import { proofKey, signProof, T0, TOKEN_URL } from './helpers.js';

describe('createDpopServerState', () => {
  it('resolves options and wires nonces and replay cache with them', async () => {
    const state = createDpopServerState({ nonce: { rotation: 30 }, replayCacheSize: 2 });
    expect(state.settings).toMatchObject({ mode: 'optional', requireNonce: true, nonceRotation: 30 });
    expect(state.nonces.rotationMs).toBe(30_000);
    expect(state.replay.max).toBe(2);
    const key = await proofKey();
    const challenge = await validateDpopProof({ proof: await signProof(key), method: 'POST', url: TOKEN_URL }, { ...state, now: T0 });
    expect(challenge).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
  });

  it('rejects bad options at creation', () => {
    expect(() => createDpopServerState({ mode: 'sometimes' as never })).toThrow(TypeError);
  });
});

describe('parseAuthorization', () => {
  it.each([
    ['Bearer abc.def-ghi', { scheme: 'Bearer', token: 'abc.def-ghi' }],
    ['DPoP abc.def', { scheme: 'DPoP', token: 'abc.def' }],
    ['dpop abc', { scheme: 'DPoP', token: 'abc' }],
    ['BEARER abc==', { scheme: 'Bearer', token: 'abc==' }],
  ])('%s', (header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });

  it.each([null, undefined, '', 'Basic dXNlcg==', 'DPoP', 'DPoP ', 'Bearer a b', 'DPoP a,b'])('rejects %j', (header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});
