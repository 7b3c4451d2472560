import type { Page } from '@playwright/test';
import { clientCall, expect, loginWithRedirect, openHarness, test } from './fixtures.js';

// client.on(...) in real Chromium: two tabs of one browser on localStorage (BroadcastChannel + Web Locks).

type Seen = Array<{ type: string; reason?: string; audience?: string; expiresAt?: number }>;

/** Records every session event of the harness page's client in window.__seen. */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: Seen; e2e: { client: { on(t: string, l: (e: unknown) => void): () => void } } };
    w.__seen = [];
    for (const t of ['signedIn', 'signedOut', 'tokenRefreshed']) w.e2e.client.on(t, (e) => w.__seen.push(e as Seen[number]));
  });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen }).__seen);

test('two tabs on localstorage: logout in tab 1 → tab 2 gets signedOut other_tab; invalid_grant in tab 1 (attacker replay) → tab 2 learns it', async ({ context, app, mock }) => {
  const config = { domain: mock.url, cacheLocation: 'localstorage' as const, audience: 'https://api.rotor.test' };
  const tab1 = await context.newPage();
  const tab2 = await context.newPage();
  await openHarness(tab1, app, config);
  await openHarness(tab2, app, config);
  await record(tab2);

  await loginWithRedirect(tab1, app);
  await record(tab1);
  await expect.poll(() => seen(tab2)).toEqual([{ type: 'signedIn' }]);

  const refreshed = await clientCall<{ access_token: string }>(tab1, 'getTokenSilently', { cacheMode: 'off' });
  expect(refreshed.ok).toBe(true);
  await expect.poll(() => seen(tab2)).toHaveLength(2);
  const [own] = await seen(tab1);
  expect(own).toMatchObject({ type: 'tokenRefreshed', audience: 'https://api.rotor.test' });
  expect((await seen(tab2))[1]).toEqual(own);

  await clientCall(tab1, 'logout', { openUrl: false });
  expect((await seen(tab1)).at(-1)).toEqual({ type: 'signedOut', reason: 'logout' });
  await expect.poll(async () => (await seen(tab2)).at(-1)).toEqual({ type: 'signedOut', reason: 'other_tab' });
  expect(await clientCall(tab2, 'isAuthenticated')).toEqual({ ok: true, value: false });

  // Signed in again; the attacker replays a retired refresh token through the control API.
  await loginWithRedirect(tab1, app);
  await record(tab1);
  await record(tab2);
  expect((await clientCall(tab1, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
  const family = mock.control.families().find((f) => f.status === 'active')!;
  const replay = await mock.controlHttp<{ status: number }>('replay', { family: family.id });
  expect(replay.status).toBe(403);
  const rejected = await clientCall(tab1, 'getTokenSilently', { cacheMode: 'off' });
  expect(rejected).toMatchObject({ ok: false, error: 'invalid_grant' });
  expect((await seen(tab1)).at(-1)).toEqual({ type: 'signedOut', reason: 'invalid_grant' });
  await expect.poll(async () => (await seen(tab2)).at(-1)).toEqual({ type: 'signedOut', reason: 'other_tab' });
  expect(await clientCall(tab2, 'isAuthenticated')).toEqual({ ok: true, value: false });
});
