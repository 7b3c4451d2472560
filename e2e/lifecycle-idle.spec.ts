// Issue 24: the idle policy across two tabs (idleTimeoutInSeconds). Activity in tab 2 keeps tab 1
// signed in; once the user stops, both tabs warn (`sessionExpiring` idle), then sign out, each with one
// `signedOut`, and the family is revoked at the server.
import type { BrowserContext, Page } from '@playwright/test';
import { clientCall, expect, loginWithRedirect, openHarness, test, type RunningMockServer, type StaticServer } from './fixtures.js';

const IDLE = 10; // seconds; the warning comes 2 s ahead: only an 8 s pause in activity would warn
test.use({ mockOptions: { autoLogin: 'user-1' } });

type Seen = Array<{ type: string; reason?: string }>;

async function tab(context: BrowserContext, app: StaticServer, mock: RunningMockServer): Promise<Page> {
  const page = await context.newPage();
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage', options: { idleTimeoutInSeconds: IDLE, sessionExpiringLeadInSeconds: 2 } });
  return page;
}

/** Records the page's session events from now on (a login redirect loads a new document: record after it). */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: Seen; e2e: { client: { on(t: string, l: (e: unknown) => void): () => void } } };
    w.__seen = [];
    for (const t of ['sessionExpiring', 'signedOut']) w.e2e.client.on(t, (e) => w.__seen.push(e as Seen[number]));
  });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen }).__seen.map((e) => `${e.type} ${e.reason}`));

test('activity in tab 2 keeps tab 1 signed in; when it stops, both tabs warn, then sign out once each; the family is revoked', async ({ context, app, mock }) => {
  const tab1 = await tab(context, app, mock);
  await loginWithRedirect(tab1, app);
  const tab2 = await tab(context, app, mock);
  await Promise.all([record(tab1), record(tab2)]);

  // The user works in tab 2 for 1.5 times the timeout (a click or a key every second): tab 1 stays signed in.
  await tab2.bringToFront(); // Firefox delivers input to the tab in front
  for (let i = 0; i < 1.5 * IDLE; i++) {
    await (i % 2 ? tab2.keyboard.press('Shift') : tab2.mouse.click(5, 5));
    await tab2.waitForTimeout(1_000);
  }
  expect(await clientCall(tab1, 'isAuthenticated'), 'tab 1 after 15 s with activity in tab 2 only').toEqual({ ok: true, value: true });
  expect(await seen(tab1)).toEqual([]);

  // The user stops: both tabs warn, then both are signed out.
  for (const page of [tab1, tab2]) {
    await expect.poll(() => seen(page), { timeout: 15_000 }).toContain('sessionExpiring idle');
    await expect.poll(async () => (await seen(page)).filter((e) => e.startsWith('signedOut')).length, { timeout: 15_000 }).toBe(1);
  }
  const outs = [...(await seen(tab1)), ...(await seen(tab2))].filter((e) => e.startsWith('signedOut'));
  expect(outs, 'one tab ended it (idle), the other heard it or ended it too').toContain('signedOut idle');
  for (const e of outs) expect(['signedOut idle', 'signedOut other_tab']).toContain(e);
  await tab1.waitForTimeout(1_000); // nothing more arrives
  for (const page of [tab1, tab2]) {
    expect((await seen(page)).filter((e) => e.startsWith('signedOut'))).toHaveLength(1);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
  }
  expect(mock.control.families().map((f) => f.status)).toEqual(['revoked']);
});
