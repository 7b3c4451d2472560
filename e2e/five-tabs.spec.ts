import type { Page } from '@playwright/test';
import { advanceClocks, clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests, type Attempt } from './fixtures.js';

// Five tabs of one browser context share a localStorage cache. Chromium propagates
// localStorage writes to other renderer processes asynchronously, so the next holder of
// the cross-tab Web Lock can read the cache from before the previous holder's rotation.
// The SDK must notice (the rotation marker lock) and wait, never presenting a rotated
// refresh token: one refresh_token request per expiry, no reuse detection.

const TTL = 600;
const TABS = 5;
const ROUNDS = 6;
test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

test('five tabs refreshing at once (localstorage), several expiries: one token request per round, no reuse detection', async ({ context, page, app, mock }) => {
  test.setTimeout(120_000);
  await context.clock.install();
  const config = { domain: mock.url, cacheLocation: 'localstorage' as const, audience: 'https://api.rotor.test' };
  await openHarness(page, app, config);
  await loginWithRedirect(page, app);
  const initial = await clientCall<string>(page, 'getTokenSilently');
  expect(initial).toMatchObject({ ok: true });

  const pages: Page[] = [page];
  for (let i = 1; i < TABS; i++) {
    const tab = await context.newPage();
    await openHarness(tab, app, config);
    expect(await clientCall(tab, 'getTokenSilently'), `tab ${i} reads the shared cache`).toEqual(initial);
    pages.push(tab);
  }
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

  // Run every round even after a bad one, so a failure reports how many rounds went wrong.
  const perRound: Array<{ requests: number; reuse: number; failed: number; distinct: number }> = [];
  let previous = initial;
  for (let round = 1; round <= ROUNDS; round++) {
    const before = tokenRequests(mock, 'refresh_token').length;
    await advanceClocks(context.clock, mock, TTL + 1);
    const results: Array<Attempt<string>> = await Promise.all(pages.map((p) => clientCall<string>(p, 'getTokenSilently')));
    const tokens = results.flatMap((r) => (r.ok ? [r.value] : []));
    perRound.push({
      requests: tokenRequests(mock, 'refresh_token').length - before,
      reuse: mock.events('refresh_token.reuse_detected').length,
      failed: results.length - tokens.length,
      distinct: new Set(tokens).size,
    });
    if (tokens.length > 0) {
      expect(tokens[0], `round ${round}: a new access token`).not.toEqual(previous.ok ? previous.value : undefined);
      previous = { ok: true, value: tokens[0]! };
    }
  }
  test.info().annotations.push({ type: 'rounds', description: JSON.stringify(perRound) });
  console.log(`five-tabs rounds: ${perRound.map((r) => `${r.requests}req/${r.reuse}reuse/${r.failed}failed`).join(' ')}`);
  expect(perRound, 'per round: refresh requests, reuse detections so far, failed calls, distinct tokens').toEqual(
    Array.from({ length: ROUNDS }, () => ({ requests: 1, reuse: 0, failed: 0, distinct: 1 })),
  );
  expect(mock.control.families()).toHaveLength(1);
  expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: ROUNDS });
  // The last rotation's marker lock is held and visible to every tab of the origin.
  const markers = await pages[TABS - 1]!.evaluate(async () => ((await navigator.locks.query()).held ?? []).map((l) => l.name ?? '').filter((n) => n.includes(':seq:')));
  expect(Math.max(...markers.map((n) => Number(n.slice(n.lastIndexOf(':') + 1)))), markers.join(', ')).toBe(ROUNDS);
  for (const tab of pages.slice(1)) await tab.close();
});

// Forced refreshes from every tab at once: rotations hand the lock from tab to tab back to back, each
// holder maybe reading storage from before the previous rotation (localStorage), or taking a free lock
// whose grant brings the markers held (the query sent behind the request). Every call must succeed and
// no rotated refresh token may ever be presented.
for (const cacheLocation of ['localstorage', 'indexeddb'] as const) {
  test(`five tabs forcing refreshes at once (${cacheLocation}, cacheMode off): back-to-back rotations, every call served, no reuse detection`, async ({ context, page, app, mock }) => {
    test.setTimeout(120_000);
    const config = { domain: mock.url, cacheLocation, audience: 'https://api.rotor.test' };
    await openHarness(page, app, config);
    await loginWithRedirect(page, app);
    const pages: Page[] = [page];
    for (let i = 1; i < TABS; i++) {
      const tab = await context.newPage();
      await openHarness(tab, app, config);
      pages.push(tab);
    }
    const failures: string[] = [];
    // Each tab forces its refreshes one after another, all tabs at once: handoffs at every rotation.
    await Promise.all(
      pages.map(async (p, i) => {
        for (let call = 1; call <= ROUNDS; call++) {
          const r = await clientCall<string>(p, 'getTokenSilently', { cacheMode: 'off' });
          if (!r.ok) failures.push(`tab ${i} call ${call}: ${JSON.stringify(r)}`);
        }
      }),
    );
    const requests = tokenRequests(mock, 'refresh_token').length;
    console.log(`five-tabs forced (${cacheLocation}): ${requests} refresh requests for ${ROUNDS * TABS} calls`);
    expect(failures).toEqual([]);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(requests).toBeGreaterThanOrEqual(ROUNDS); // a call may take a token another tab obtained after it began
    expect(mock.control.families()).toEqual([expect.objectContaining({ status: 'active', rotations: requests })]);
    for (const tab of pages.slice(1)) await tab.close();
  });
}
