// The fault matrix of issue 10 (README "what survives what"): every fault × cache mode, in real
// Chromium, black-box (script-tag bundle + mock server). Pass = the session continues: a later
// forced refresh returns a new access token, isAuthenticated() stays true, 0 reuse detections
// at the server (also after a reload in persistent modes); for logout, the session ends
// completely. Run just this: `npx playwright test e2e/faults` (after `npm run build`).
// ROTOR_FAULT_REPORT=<path> writes a JSON summary for the bench.
import { clientCall, expect, loginWithRedirect, openHarness, waitForHarness } from '../fixtures.js';
import { test } from './fixtures.js';
import { expectNewToken, FAULTS, type FaultContext } from './matrix.js';

test.describe.configure({ mode: 'parallel' });

for (const fault of FAULTS) {
  for (const cache of fault.caches) {
    test(`${fault.id} × ${cache}`, async ({ page, context, servers, sharedApp: app, row }) => {
      const mock = await servers.get(fault.server);
      Object.assign(row, { fault: fault.id, cache, mock });
      if (fault.clock) await page.clock.install();
      await openHarness(page, app, { domain: mock.url, cacheLocation: cache, ...(fault.options ? { options: fault.options } : {}) });
      await loginWithRedirect(page, app);
      const ctx: FaultContext = { page, context, app, mock, cache, seen: new Set() };
      expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently'), 'first access token');

      await fault.run(ctx);
      if (fault.outcome === 'ends') return;

      // The fault has cleared: the session goes on.
      expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' }), 'refresh after the fault');
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
      expect(mock.events('refresh_token.reuse_detected'), 'reuse detections at the server').toHaveLength(0);
      expect(mock.control.families().filter((f) => f.status === 'active'), 'the family is still active').toHaveLength(1);
      if (cache !== 'memory') {
        // The refresh token was kept in storage: a reload still refreshes.
        await page.reload();
        await waitForHarness(page);
        expect(await clientCall(page, 'isAuthenticated'), 'signed in after a reload').toEqual({ ok: true, value: true });
        expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' }), 'refresh after a reload');
        expect(mock.events('refresh_token.reuse_detected'), 'reuse detections after the reload').toHaveLength(0);
      }
    });
  }
}
