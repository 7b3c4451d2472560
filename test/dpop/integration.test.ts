import { describe, expect, it } from 'vitest';
import { createDpopProof, generateDpopKey } from '../../src/dpop/key.js';
import { dpopNonces, memoryDpopStore } from '../../src/dpop/store.js';
import { createFetcher } from '../../src/client/fetcher.js';
import { checkDpopBinding, createDpopServerState, dpopChallenge, parseAuthorization, validateDpopProof } from '../../src/mock-server/dpop/index.js';
import { T0 } from './helpers.js';

const API = 'https://api.rotor.test/api/private';

/** A DPoP resource server built from the validator: nonces required, tokens bound to `boundJkt`, only `validToken()` accepted. */
function resource(boundJkt: string, validToken: () => string) {
  const state = createDpopServerState({ nonce: true });
  let now = T0;
  const requests: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    now += 1000;
    const auth = parseAuthorization(request.headers.get('Authorization'));
    const fail = (status: number, error: { error: string; error_description: string; nonce?: string }) =>
      new Response(null, {
        status,
        headers: { 'WWW-Authenticate': dpopChallenge(error, state.settings.algorithms), ...(error.nonce ? { 'DPoP-Nonce': error.nonce } : {}) },
      });
    if (auth?.scheme !== 'DPoP') return fail(401, { error: 'invalid_token', error_description: 'DPoP scheme required' });
    const result = await validateDpopProof({ proof: request.headers.get('DPoP'), method: request.method, url: request.url, accessToken: auth.token }, { ...state, now });
    requests.push(result.ok ? 'ok' : result.error);
    if (!result.ok) return fail(401, result);
    const binding = checkDpopBinding(boundJkt, result);
    if (binding) return fail(401, binding);
    if (auth.token !== validToken()) return fail(401, { error: 'invalid_token', error_description: 'expired' });
    return new Response('hello', { status: 200, headers: result.nonce ? { 'DPoP-Nonce': result.nonce } : {} });
  };
  return { fetch, requests };
}

describe('fetchWithAuth + SDK proofs + the mock validator', () => {
  it('recovers from use_dpop_nonce, then from an expired token, with proofs the validator accepts', async () => {
    const key = await generateDpopKey();
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    let version = 1;
    let refreshes = 0;
    let cached = 'at-1';
    const server = resource(key.jkt, () => `at-${version}`);
    const fetcher = createFetcher(
      {
        getTokenSilently: async ({ cacheMode }) => {
          if (cacheMode === 'off') {
            refreshes++;
            cached = `at-${version}`;
          }
          return { access_token: cached, token_type: 'DPoP' };
        },
        generateDpopProof: (p) => createDpopProof(key, { ...p, now: () => T0 }),
        getDpopNonce: nonces.get,
        setDpopNonce: nonces.set,
      },
      { allowedOrigins: [API], fetch: server.fetch, dpopNonceId: 'api' },
    );

    const first = await fetcher.fetchWithAuth(API);
    expect(first.status).toBe(200);
    expect(server.requests).toEqual(['use_dpop_nonce', 'ok']);
    expect(await nonces.get('api')).toEqual(expect.any(String));

    // The server moves on to token version 2: the cached at-1 gets invalid_token, one forced refresh fixes it.
    version = 2;
    const second = await fetcher.fetchWithAuth(API);
    expect(second.status).toBe(200);
    expect(server.requests.slice(2)).toEqual(['ok', 'ok']);
    expect(refreshes).toBe(1);
  });

  it('a proof from another key is refused by the binding check and never retried into a loop', async () => {
    const key = await generateDpopKey();
    const thief = await generateDpopKey();
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    const server = resource(key.jkt, () => 'at-1');
    const fetcher = createFetcher(
      {
        getTokenSilently: async () => ({ access_token: 'at-1', token_type: 'DPoP' }),
        generateDpopProof: (p) => createDpopProof(thief, { ...p, now: () => T0 }),
        getDpopNonce: nonces.get,
        setDpopNonce: nonces.set,
      },
      { allowedOrigins: [API], fetch: server.fetch },
    );
    const res = await fetcher.fetchWithAuth(API);
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/invalid_dpop_proof.*does not match/);
    expect(server.requests).toEqual(['use_dpop_nonce', 'ok']);
  });
});
