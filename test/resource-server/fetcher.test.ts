/** The SDK's fetcher (createFetcher().fetchWithAuth) against the mock resource server, through msw → server.fetch. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StepUpRequiredError } from '../../src/errors.js';
import { challengeResource, resourceRequests } from '../../src/testing/index.js';
import { API, AUTH, harness, login, makeClient, rejectionOf, tokenRequests, useFakeDate } from '../sdk/helpers.js';
import { MFA_ACR, RESOURCES } from './helpers.js';

const h = harness();
useFakeDate();
afterEach(() => vi.unstubAllGlobals());

const start = (options = {}) => h.start({ resources: RESOURCES, ...options });
const presented = (path: string) => resourceRequests(h.mock, path);

describe('fetchWithAuth against the mock resource server', () => {
  it('invalid_token: one forced refresh, one retry with the new token', async () => {
    start();
    const client = makeClient();
    await login(h, client);
    const { fetchWithAuth } = client.createFetcher({ baseUrl: AUTH });
    expect((await fetchWithAuth('/api/private')).status).toBe(200);
    const refreshes = tokenRequests(h, 'refresh_token').length;
    challengeResource(h.mock, '/api/private', 'invalid_token');
    const res = await fetchWithAuth('/api/private');
    expect(res.status).toBe(200);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(refreshes + 1);
    const ev = presented('/api/private').slice(-2);
    expect(ev.map((e) => [e.status, e.error, e.detail?.onDemand])).toEqual([[401, 'invalid_token', true], [200, undefined, false]]);
  });

  it('invalid_token twice: the second 401 is returned as it is (one refresh, no loop)', async () => {
    start();
    const client = makeClient();
    await login(h, client);
    const refreshes = tokenRequests(h, 'refresh_token').length;
    challengeResource(h.mock, '/api/private', 'invalid_token', { times: 5 });
    const res = await client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/private');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(refreshes + 1);
    expect(presented('/api/private')).toHaveLength(2);
  });

  it('insufficient_scope (the resource needs read:orders): one token for that scope, one retry', async () => {
    start();
    const client = makeClient();
    // the grant includes read:orders; the app's default token (openid profile email) does not carry it
    await login(h, client, { authorizationParams: { scope: 'openid profile email read:orders' } });
    const { fetchWithAuth } = client.createFetcher({ baseUrl: AUTH });
    const res = await fetchWithAuth('/api/orders');
    expect(res.status).toBe(200);
    const ev = presented('/api/orders');
    expect(ev.map((e) => [e.status, e.error])).toEqual([[403, 'insufficient_scope'], [200, undefined]]);
    expect(ev[0]!.detail?.scope).not.toContain('read:orders');
    expect(ev[1]!.detail?.scope).toContain('read:orders');
    expect(((await res.json()) as { scope: string }).scope).toContain('read:orders');
  });

  it('insufficient_scope on demand: the fetcher asks for the challenge\'s scope, then retries once', async () => {
    start();
    const client = makeClient({ authorizationParams: { redirect_uri: 'https://app.rotor.test/callback', audience: API, scope: 'openid profile email read:orders' } });
    await login(h, client);
    const spy = vi.spyOn(client, 'getTokenSilently');
    challengeResource(h.mock, '/api/orders', 'insufficient_scope', { scope: 'read:orders' });
    const res = await client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/orders');
    expect(res.status).toBe(200);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls[1]![0]).toMatchObject({ authorizationParams: { scope: 'read:orders' } });
    expect(presented('/api/orders').map((e) => e.status)).toEqual([403, 200]);
  });

  it('use_dpop_nonce (on demand): the nonce is stored for the resource origin and the retry carries it', async () => {
    start();
    const client = makeClient({ useDpop: true });
    await login(h, client);
    challengeResource(h.mock, '/api/bound', 'use_dpop_nonce');
    const res = await client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/bound');
    expect(res.status).toBe(200);
    const ev = presented('/api/bound');
    expect(ev.map((e) => [e.status, e.error, e.detail?.scheme, e.detail?.proofNonce])).toEqual([[401, 'use_dpop_nonce', 'DPoP', false], [200, undefined, 'DPoP', true]]);
    expect(await client.getDpopNonce(AUTH)).toMatch(/.{20,}/);
  });

  it('use_dpop_nonce (nonces required at the server): challenge, then success with the nonce', async () => {
    start({ dpopNonce: true });
    const client = makeClient({ useDpop: true });
    await login(h, client);
    const res = await client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/bound');
    expect(res.status).toBe(200);
    expect(presented('/api/bound').map((e) => [e.status, e.error, e.detail?.proofNonce])).toEqual([[401, 'use_dpop_nonce', false], [200, undefined, true]]);
    // the stored nonce serves the next request without a challenge
    expect((await client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/bound')).status).toBe(200);
    expect(presented('/api/bound')).toHaveLength(3);
  });

  it('insufficient_user_authentication (acrValues): StepUpRequiredError with acr_values, one request, no refresh', async () => {
    start();
    const client = makeClient();
    await login(h, client);
    const refreshes = tokenRequests(h, 'refresh_token').length;
    const e = await rejectionOf(client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/mfa'));
    expect(e).toBeInstanceOf(StepUpRequiredError);
    expect(e).toMatchObject({ error: 'insufficient_user_authentication', acr_values: MFA_ACR, error_description: 'A different authentication level is required' });
    expect(presented('/api/mfa')).toHaveLength(1);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(refreshes);
    // the app steps up (a login with MFA): the new token carries acr and is served
    h.mock.control.requireMfa('user-1');
    await login(h, client, { authorizationParams: { acr_values: MFA_ACR } });
    expect((await client.createFetcher({ baseUrl: AUTH }).fetchWithAuth('/api/mfa')).status).toBe(200);
  });

  it('insufficient_user_authentication (maxAge, and on demand): StepUpRequiredError with max_age', async () => {
    start();
    const client = makeClient();
    await login(h, client);
    const fetcher = client.createFetcher({ baseUrl: AUTH });
    expect((await fetcher.fetchWithAuth('/api/recent')).status).toBe(200);
    h.mock.control.advanceClock(301);
    const old = await rejectionOf(fetcher.fetchWithAuth('/api/recent'));
    expect(old).toBeInstanceOf(StepUpRequiredError);
    expect(old).toMatchObject({ max_age: 300, acr_values: undefined });
    challengeResource(h.mock, '/api/private', 'insufficient_user_authentication', { acr_values: 'urn:rotor:mfa', max_age: 0 });
    expect(await rejectionOf(fetcher.fetchWithAuth('/api/private'))).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'urn:rotor:mfa', max_age: 0 });
  });
});
