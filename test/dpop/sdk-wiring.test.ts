/** useDpop in the SDK against the mock server (msw → server.fetch), memory cache: keys, proofs, nonces, purge, revocation, fetcher. */
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthClient } from '../../src/client/client.js';
import { ConfigurationError, DpopKeyMissingError, InvalidResponseError } from '../../src/errors.js';
import { advance, API, AUTH, events, harness, login, makeClient, rejectionOf, tokenRequests, useFakeDate } from '../sdk/helpers.js';

const h = harness();
useFakeDate();
afterEach(() => vi.unstubAllGlobals());

const dpopClient = (extra: Record<string, unknown> = {}) => makeClient({ useDpop: true, ...extra });
const serverFamily = () => h.mock.control.families()[0]!;
const jktOf = (client: AuthClient) => (client as unknown as { dpop: { forget(jkt: string): Promise<void> } }).dpop;

describe('useDpop: login and refresh', () => {
  it('binds the login to a new key; refreshes carry proofs from it', async () => {
    h.start();
    const client = dpopClient();
    await login(h, client);
    const f = serverFamily();
    expect(f.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const t = await client.getTokenSilently({ detailedResponse: true });
    expect(t.token_type).toBe('DPoP');
    advance(3600);
    await client.getTokenSilently({ cacheMode: 'off' });
    expect(serverFamily().rotations).toBe(1);
    expect(events(h, 'dpop.rejected')).toHaveLength(0);
    // a proof made by the client carries the family's key
    const proof = await client.generateDpopProof({ url: `${API}/x`, method: 'GET' });
    const header = JSON.parse(Buffer.from(proof.split('.')[0]!, 'base64url').toString()) as { typ: string; jwk: { kty: string } };
    expect(header).toMatchObject({ typ: 'dpop+jwt', jwk: { kty: 'EC' } });
  });

  it('nonces required: one challenge at the code exchange, the stored nonce serves the refresh', async () => {
    h.start({ dpopNonce: true });
    const client = dpopClient();
    await login(h, client);
    advance(60);
    await client.getTokenSilently({ cacheMode: 'off' });
    const challenged = tokenRequests(h).filter((e) => e.error === 'use_dpop_nonce');
    expect(challenged).toHaveLength(1);
    expect(tokenRequests(h).filter((e) => e.status === 200)).toHaveLength(2);
    expect(await client.getDpopNonce()).toMatch(/.{20,}/);
  });

  it('a lost refresh response is retried with a fresh proof (a replayed proof would be refused)', async () => {
    h.start({ reuseInterval: 10 });
    const client = dpopClient();
    await login(h, client);
    advance(3600);
    h.mock.control.faults({ dropNextRotation: true });
    expect(typeof (await client.getTokenSilently())).toBe('string');
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2);
    expect(events(h, 'dpop.rejected')).toHaveLength(0);
    expect(events(h, 'refresh_token.reuse_interval')).toHaveLength(1);
  });

  it('a family whose key is gone is purged locally without a request', async () => {
    h.start();
    const client = dpopClient();
    await login(h, client);
    await jktOf(client).forget(serverFamily().jkt!);
    advance(3600);
    const before = tokenRequests(h).length;
    const e = await rejectionOf(client.getTokenSilently());
    expect(e).toBeInstanceOf(DpopKeyMissingError);
    expect(e.error).toBe('dpop_key_missing');
    expect(tokenRequests(h)).toHaveLength(before);
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBeUndefined();
    expect(serverFamily().status).toBe('active'); // nothing was sent
  });

  it('a Bearer answer to a DPoP-bound refresh: its access token is refused, its rotated refresh token is kept (no reuse after)', async () => {
    h.start();
    const client = dpopClient();
    await login(h, client);
    advance(3600);
    h.use(
      http.post(
        `${AUTH}/oauth/token`,
        async ({ request }) => {
          const res = await h.mock.fetch(request);
          const body = (await res.json()) as Record<string, unknown>;
          return HttpResponse.json({ ...body, token_type: 'Bearer' }, { status: res.status });
        },
        { once: true },
      ),
    );
    const e = await rejectionOf(client.getTokenSilently());
    expect(e).toBeInstanceOf(InvalidResponseError);
    expect(e.message).toContain('DPoP');
    expect(serverFamily().rotations).toBe(1);
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBeUndefined(); // the Bearer answer's token was not stored
    const t = await client.getTokenSilently({ detailedResponse: true }); // the rotated refresh token, with a proof
    expect(t.token_type).toBe('DPoP');
    expect(serverFamily()).toMatchObject({ status: 'active', rotations: 2 });
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
  });

  it('a Bearer answer to a DPoP code exchange is refused and nothing is stored', async () => {
    h.start({ dpop: 'off' });
    const client = dpopClient();
    const e = await rejectionOf(login(h, client));
    expect(e).toBeInstanceOf(InvalidResponseError);
    expect(e.message).toContain('DPoP');
    expect(await client.isAuthenticated()).toBe(false);
  });
});

describe('useDpop: revocation, userinfo, fetcher, configuration', () => {
  it('logout revokes the bound family with a proof', async () => {
    h.start();
    const client = dpopClient();
    await login(h, client);
    await client.logout({ openUrl: false });
    expect(serverFamily()).toMatchObject({ status: 'revoked', reason: 'revoked' });
    expect(events(h, 'dpop.rejected')).toHaveLength(0);
  });

  it('revokeRefreshToken revokes at the server and forgets the family here', async () => {
    h.start();
    const client = dpopClient();
    await login(h, client);
    await client.revokeRefreshToken();
    expect(serverFamily().status).toBe('revoked');
    advance(3600);
    expect((await rejectionOf(client.getTokenSilently())).error).toBe('missing_refresh_token');
  });

  it('loadUserInfo sends the DPoP-bound access token with a proof', async () => {
    h.start();
    const client = dpopClient({ loadUserInfo: true });
    await login(h, client);
    expect(await client.getUser()).toMatchObject({ sub: 'user-1', email: 'demo@rotor.test' });
  });

  it('fetchWithAuth: DPoP + proof to /api/private; a 401 invalid_token refreshes once and retries', async () => {
    h.start({ accessTokenTtl: 120 });
    const client = dpopClient();
    await login(h, client);
    const { fetchWithAuth } = client.createFetcher({ baseUrl: AUTH, dpopNonceId: 'api' });
    const ok = await fetchWithAuth('/api/private');
    expect(ok.status).toBe(200);
    // the cached token is still "fresh" for the SDK (leeway 0 below) but expired at the server
    const lenient = dpopClient({ leeway: 0 });
    await login(h, lenient);
    h.mock.control.advanceClock(200);
    const before = tokenRequests(h, 'refresh_token').length;
    const res = await lenient.createFetcher({ baseUrl: AUTH, dpopNonceId: 'api' }).fetchWithAuth('/api/private');
    expect(res.status).toBe(200);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(before + 1);
  });

  it('configuration errors and getConfiguration', async () => {
    h.start();
    const plain = makeClient();
    expect((await rejectionOf(plain.generateDpopProof({ url: `${API}/x`, method: 'GET' })))).toBeInstanceOf(ConfigurationError);
    expect(plain.getConfiguration()).toMatchObject({ clientId: 'demo', useDpop: false });
    vi.stubGlobal('crypto', {});
    expect(() => dpopClient()).toThrow(ConfigurationError);
    vi.unstubAllGlobals();
    expect(() => dpopClient({ cacheLocation: 'localstorage' })).toThrow(/IndexedDB/);
  });
});
