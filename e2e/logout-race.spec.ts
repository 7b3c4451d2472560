import type { Route } from '@playwright/test';
import { callDone, settledCall, startCall } from './faults/fixtures.js';
import { clientCall, expect, loginWithRedirect, openHarness, rotorLocalStorageKeys, test } from './fixtures.js';

// A logout in one tab racing the end of another tab's refresh: the refresh has committed its tokens
// and is checking the refreshed ID token (its keys are slow to come) when the other tab signs out.
// The sign-out must win everywhere: no session entry written after it, no tab that still reads as
// signed in, the family revoked at the server.
test.use({ mockOptions: { autoLogin: 'user-1' } });

for (const cacheLocation of ['localstorage', 'indexeddb'] as const) {
  test(`logout in another tab while a refresh checks its ID token (${cacheLocation}): signed out everywhere`, async ({ context, page, app, mock }) => {
    const config = { domain: mock.url, cacheLocation, audience: 'https://api.rotor.test' };
    await openHarness(page, app, config);
    await loginWithRedirect(page, app);
    const other = await context.newPage();
    await openHarness(other, app, config);
    expect(await clientCall(other, 'isAuthenticated')).toEqual({ ok: true, value: true });

    // The refreshed ID token is signed with a new key: this tab must fetch the JWKS, which hangs until released.
    await mock.control.rotateKeys();
    let release!: () => void;
    const jwksHeld = new Promise<void>((r) => (release = r));
    await page.route('**/.well-known/jwks.json', async (route: Route) => {
      await jwksHeld;
      await route.continue();
    });
    await startCall(page, 'refresh', 'getTokenSilently', { cacheMode: 'off' });
    await expect.poll(() => mock.events('refresh_token.rotated').length).toBe(1);
    expect(await callDone(page, 'refresh')).toBe(false);

    expect(await clientCall(other, 'logout', { openUrl: false })).toEqual({ ok: true, value: null });
    release();
    await settledCall(page, 'refresh');
    await page.unroute('**/.well-known/jwks.json');

    // Whatever the refresh did after the sign-out, both tabs read as signed out (now and after a reload).
    for (const tab of [page, other]) {
      await expect.poll(async () => (await clientCall(tab, 'isAuthenticated')) as unknown, { timeout: 5_000 }).toEqual({ ok: true, value: false });
      expect(await clientCall(tab, 'getUser')).toEqual({ ok: true, value: null });
    }
    await page.reload();
    await expect.poll(() => page.evaluate(() => (window as unknown as { e2e?: { state: string } }).e2e?.state)).toBe('ready');
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
    if (cacheLocation === 'localstorage') expect(await rotorLocalStorageKeys(page)).toEqual([]);
    expect(mock.control.families()[0]).toMatchObject({ status: 'revoked' });
    await other.close();
  });
}
