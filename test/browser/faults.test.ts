/**
 * Issue 10 in real Chromium (real localStorage / IndexedDB / Web Locks, the
 * mock server over HTTP): a JWKS blip right after the server rotated, and one
 * throwing storage read or write, never lose the session and never trip
 * reuse detection.
 */
import { del, keys } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IndexedDbCache } from '../../src/cache/indexeddb.js';
import { createAuthClient } from '../../src/client/client.js';
import { AUTH, CLIENT_ID, control, events, expireAccessTokens, idbStore, REDIRECT, refreshRequests, signIn } from './helpers.js';

describe.each([{ cacheLocation: 'localstorage' as const }, { cacheLocation: 'indexeddb' as const }])('faults at refresh with $cacheLocation', ({ cacheLocation }) => {
  beforeEach(async () => {
    await control('reset', {});
    localStorage.clear();
    for (const k of await keys(idbStore)) await del(k, idbStore);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  const options = () => ({ domain: AUTH, clientId: CLIENT_ID, cacheLocation, authorizationParams: { redirect_uri: REDIRECT, audience: 'https://api.rotor.test' } });
  const reuse = () => events('refresh_token.reuse_detected');

  it('JWKS unreachable during the refresh and across a reload: tokens kept, no reuse', async () => {
    const tab = await createAuthClient(options());
    await signIn(tab);
    await control('keys/rotate', {}); // the refreshed ID token is signed with a key the client does not hold
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) =>
      String(input instanceof Request ? input.url : input).endsWith('/.well-known/jwks.json') ? Promise.reject(new TypeError('Failed to fetch')) : realFetch(input, init),
    );
    await expireAccessTokens();
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    await expireAccessTokens();
    const reloaded = await createAuthClient(options()); // must not reject
    expect(await reloaded.isAuthenticated()).toBe(true);
    expect(await reloaded.getTokenSilently()).toEqual(expect.any(String));
    expect(await refreshRequests()).toHaveLength(2);
    expect(await reuse()).toHaveLength(0);
  });

  it('useDpop: a Bearer answer to a refresh (access token refused) keeps the rotated refresh token: no reuse', async () => {
    const tab = await createAuthClient({ ...options(), useDpop: true });
    await signIn(tab);
    await expireAccessTokens();
    const realFetch = globalThis.fetch;
    let rewritten = 0;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const res = await realFetch(input, init);
      if (rewritten || !String(input).endsWith('/oauth/token') || !res.ok) return res;
      rewritten++;
      const body = (await res.json()) as Record<string, unknown>;
      return new Response(JSON.stringify({ ...body, token_type: 'Bearer' }), { status: res.status, headers: { 'Content-Type': 'application/json' } });
    });
    await expect(tab.getTokenSilently()).rejects.toMatchObject({ error: 'invalid_response' });
    expect(rewritten).toBe(1);
    vi.restoreAllMocks();
    expect(await tab.getTokenSilently({ detailedResponse: true })).toMatchObject({ token_type: 'DPoP' });
    expect(await refreshRequests()).toHaveLength(2);
    expect(await reuse()).toHaveLength(0);
  });

  it("the app's nowProvider throwing once the server has rotated: tokens kept, no reuse", async () => {
    let broken = false;
    const tab = await createAuthClient({
      ...options(),
      nowProvider: () => {
        if (broken) throw new Error('clock service down');
        return Date.now();
      },
    });
    await signIn(tab);
    await expireAccessTokens();
    broken = true;
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    broken = false;
    await expireAccessTokens();
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    expect(await refreshRequests()).toHaveLength(2);
    expect(await reuse()).toHaveLength(0);
  });

  it('one throwing storage read: a StorageError, nothing deleted, then the session goes on', async () => {
    const tab = await createAuthClient(options());
    await signIn(tab);
    await expireAccessTokens();
    const fail = () => {
      throw new DOMException('I/O error', 'UnknownError');
    };
    if (cacheLocation === 'localstorage') vi.spyOn(Storage.prototype, 'getItem').mockImplementationOnce(fail);
    else vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementationOnce(fail);
    expect(await tab.getTokenSilently().catch((e: unknown) => e)).toMatchObject({ error: 'storage_error' });
    expect(await tab.isAuthenticated()).toBe(true);
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    expect(await refreshRequests()).toHaveLength(1);
    expect(await reuse()).toHaveLength(0);
  });

  it('one throwing storage write while committing the rotation: the session goes on, no reuse', async () => {
    const tab = await createAuthClient(options());
    await signIn(tab);
    await expireAccessTokens();
    const fail = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    if (cacheLocation === 'localstorage') vi.spyOn(Storage.prototype, 'setItem').mockImplementationOnce(fail);
    else vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(fail);
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    await expireAccessTokens();
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    const reloaded = await createAuthClient(options());
    await expireAccessTokens();
    expect(await reloaded.getTokenSilently()).toEqual(expect.any(String));
    expect(await refreshRequests()).toHaveLength(3);
    expect(await reuse()).toHaveLength(0);
  });
});

describe('IndexedDB compare-and-swap with a throwing put', () => {
  afterEach(() => vi.restoreAllMocks());

  it('rejects with a StorageError (no uncaught error from the IDB handler) and leaves the entry as it was', async () => {
    const cache = new IndexedDbCache({ dbName: 'rotor-auth-cas-fault' });
    const key = '@@rotor@@::demo::rt::cas-fault';
    await cache.set(key, { n: 1 });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    await expect(cache.compareAndSet(key, { n: 1 }, { n: 2 })).rejects.toMatchObject({ error: 'storage_error', message: expect.stringContaining('QuotaExceededError') });
    expect(await cache.get(key)).toEqual({ n: 1 });
    expect(await cache.compareAndSet(key, { n: 1 }, { n: 2 })).toBe(true);
    expect(await cache.get(key)).toEqual({ n: 2 });
  });
});
