// useDpop in real Chromium against the mock server (dist/): a refresh token read out of the
// page's storage is useless from Node (no proof, or a proof from another key), and the user's
// tab keeps refreshing; 5 tabs make one token request; required nonces that rotate; and
// fetchWithAuth through a 401 → refresh → retry against /api/private.
import type { Page } from '@playwright/test';
import { createDpopProof, generateDpopKey } from '../../src/dpop/key.js';
import { advanceClocks, clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests, type CacheLocation, type RunningMockServer } from '../fixtures.js';

const API = 'https://api.rotor.test';
const TTL = 600;

/** The refresh token as an XSS payload would read it from the page's storage. */
async function readRefreshToken(page: Page, cache: CacheLocation): Promise<string> {
  const values = await page.evaluate(async (where) => {
    if (where === 'localstorage') return Object.keys(localStorage).map((k) => localStorage.getItem(k) ?? '');
    return new Promise<string[]>((resolve, reject) => {
      const open = indexedDB.open('rotor-auth');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const all = open.result.transaction('tokens').objectStore('tokens').getAll();
        all.onsuccess = () => resolve(all.result.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
        all.onerror = () => reject(all.error);
      };
    });
  }, cache);
  for (const v of values) {
    const m = /"refresh_token":"([^"]+)"/.exec(v);
    if (m) return m[1]!;
  }
  throw new Error(`no refresh token in ${cache}`);
}

async function refreshFromNode(mock: RunningMockServer, refreshToken: string, proof?: string) {
  const res = await fetch(`${mock.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(proof ? { DPoP: proof } : {}) },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: refreshToken }),
  });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

const config = (mock: RunningMockServer, cacheLocation: CacheLocation, options: Record<string, unknown> = {}) =>
  ({ domain: mock.url, cacheLocation, audience: API, options: { useDpop: true, ...options } });

test.describe('stolen refresh token', () => {
  test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });
  for (const cache of ['localstorage', 'indexeddb'] as const) {
    test(`${cache}: the token read out of storage is refused without the key; the tab keeps refreshing`, async ({ context, page, app, mock }) => {
      await context.clock.install();
      await openHarness(page, app, config(mock, cache));
      await loginWithRedirect(page, app);
      const family = mock.control.families()[0]!;
      expect(family.jkt).toBeTruthy();
      const stolen = await readRefreshToken(page, cache);
      expect(stolen).toBe(mock.control.stealRefreshToken(family.id).refresh_token);

      const bare = await refreshFromNode(mock, stolen);
      expect(bare).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
      const thief = await generateDpopKey();
      const proof = await createDpopProof(thief, { url: `${mock.url}/oauth/token`, method: 'POST', now: () => mock.control.now() });
      expect(await refreshFromNode(mock, stolen, proof)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
      expect(mock.events('dpop.rejected')).toHaveLength(2);

      for (let round = 0; round < 2; round++) {
        await advanceClocks(context.clock, mock, TTL + 1);
        expect(await clientCall(page, 'getTokenSilently')).toMatchObject({ ok: true });
      }
      expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
      expect(mock.control.family(family.id)).toMatchObject({ status: 'active', rotations: 2 });
    });
  }
});

test.describe('five tabs', () => {
  test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1', dpopNonce: true } });
  test('five tabs with DPoP and required nonces: one refresh per expiry (nonce challenges counted apart)', async ({ context, page, app, mock }) => {
    test.setTimeout(90_000);
    await context.clock.install();
    const cfg = config(mock, 'localstorage');
    await openHarness(page, app, cfg);
    await loginWithRedirect(page, app);
    const pages: Page[] = [page];
    for (let i = 1; i < 5; i++) {
      const tab = await context.newPage();
      await openHarness(tab, app, cfg);
      pages.push(tab);
    }
    for (let round = 1; round <= 2; round++) {
      const before = tokenRequests(mock, 'refresh_token').filter((e) => e.error !== 'use_dpop_nonce').length;
      await advanceClocks(context.clock, mock, TTL + 1);
      const results = await Promise.all(pages.map((p) => clientCall<string>(p, 'getTokenSilently')));
      expect(results.every((r) => r.ok), JSON.stringify(results)).toBe(true);
      expect(new Set(results.map((r) => (r.ok ? r.value : ''))).size).toBe(1);
      const rotations = tokenRequests(mock, 'refresh_token').filter((e) => e.error !== 'use_dpop_nonce').length - before;
      expect(rotations, `round ${round}: refresh requests other than nonce challenges`).toBe(1);
    }
    // the nonce from the code exchange's challenge is shared with every tab (IndexedDB): no tab needed its own
    expect(tokenRequests(mock).filter((e) => e.error === 'use_dpop_nonce').length).toBeLessThanOrEqual(3);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(mock.events('dpop.rejected')).toHaveLength(0);
  });
});

test.describe('nonces', () => {
  test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1', dpopNonce: { rotation: 60 } } });
  test('required and rotated: a stale nonce costs one challenge, then the refresh succeeds', async ({ context, page, app, mock }) => {
    await context.clock.install();
    await openHarness(page, app, config(mock, 'indexeddb'));
    await loginWithRedirect(page, app);
    const first = await clientCall<string>(page, 'getDpopNonce');
    expect(first).toMatchObject({ ok: true, value: expect.any(String) });
    await advanceClocks(context.clock, mock, TTL + 1); // ten rotations: the stored nonce is stale
    expect(await clientCall(page, 'getTokenSilently')).toMatchObject({ ok: true });
    const refreshes = tokenRequests(mock, 'refresh_token');
    expect(refreshes.map((e) => e.error ?? e.status)).toEqual(['use_dpop_nonce', 200]);
    const second = await clientCall<string>(page, 'getDpopNonce');
    expect(second.ok && first.ok && second.value !== first.value).toBe(true);
  });
});

test.describe('fetchWithAuth', () => {
  test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });
  test('a 401 invalid_token from /api/private: one refresh, one retry, 200', async ({ page, app, mock }) => {
    await openHarness(page, app, config(mock, 'localstorage', { leeway: 0 }));
    await loginWithRedirect(page, app);
    const call = () =>
      page.evaluate(async (base) => {
        const client = (window as unknown as { e2e: { client: { createFetcher(o: unknown): { fetchWithAuth(i: string): Promise<Response> } } } }).e2e.client;
        const res = await client.createFetcher({ baseUrl: base, dpopNonceId: 'api' }).fetchWithAuth('/api/private');
        return { status: res.status, body: (await res.json()) as { sub?: string } };
      }, mock.url);
    expect(await call()).toMatchObject({ status: 200, body: { sub: 'user-1' } });
    mock.control.advanceClock(TTL + 1); // expired at the server only: the page still thinks the token is fresh
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
    expect(await call()).toMatchObject({ status: 200, body: { sub: 'user-1' } });
    // The page's clock is now 601 s behind the server's: the proof's iat is outside the window, so the
    // token endpoint first answers use_dpop_nonce (as oidc-provider does), and the retry with the nonce rotates.
    expect(tokenRequests(mock, 'refresh_token').map((e) => e.error ?? e.status)).toEqual(['use_dpop_nonce', 200]);
    expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: 1 });
  });
});
