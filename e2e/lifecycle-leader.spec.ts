// Issue 24: autoRefresh's one leading tab. Two tabs of one app (localStorage, autoRefresh on): the tab
// holding the leader lock refreshes, the other does not; when the leader closes, or is hidden and frozen,
// the other tab leads. Counted per tab (each page's own POSTs to /oauth/token), with the server's reuse
// detections. A frozen tab is emulated as the Page Lifecycle API delivers it (visibilitychange to
// hidden, then `freeze`), its timers held until `resume`: headless Chromium ignores CDP
// Page.setWebLifecycleState on a page it shows (and shows every page), and Firefox has no freezing to drive.
import type { BrowserContext, Page } from '@playwright/test';
import { clientCall, expect, loginWithRedirect, openHarness, test, type RunningMockServer, type StaticServer } from './fixtures.js';

// A short-lived access token: the leader refreshes every 5 s (autoRefresh's shortest wait).
test.use({ mockOptions: { accessTokenTtl: 8, autoLogin: 'user-1' } });
const config = (mock: RunningMockServer) => ({ domain: mock.url, cacheLocation: 'localstorage' as const, options: { autoRefresh: true, leeway: 1 } });

/** A tab of the app, counting its own token requests from now on. */
async function tab(context: BrowserContext, app: StaticServer, mock: RunningMockServer, opts: { freezable?: boolean } = {}) {
  const page = await context.newPage();
  if (opts.freezable) await page.addInitScript(freezableTimers);
  await openHarness(page, app, config(mock));
  const counter = { page, refreshes: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/oauth/token') counter.refreshes++;
  });
  return counter;
}

/**
 * In the page, before its scripts: timers that do not run while the page is frozen (a callback due
 * meanwhile runs at `resume`), as in a frozen tab. (Playwright's clock is the whole context's: pausing
 * it would stop every tab.)
 */
function freezableTimers(): void {
  const w = window as unknown as { __frozen: boolean; __thawed: Array<() => void> };
  w.__frozen = false;
  w.__thawed = [];
  const later = (f: unknown) => (...args: unknown[]) => {
    const run = () => typeof f === 'function' && f(...args);
    if (w.__frozen) w.__thawed.push(run);
    else run();
  };
  const { setTimeout: st, setInterval: si } = window;
  window.setTimeout = ((f: unknown, ms?: number, ...a: unknown[]) => st(later(f), ms, ...a)) as typeof setTimeout;
  window.setInterval = ((f: unknown, ms?: number, ...a: unknown[]) => si(later(f), ms, ...a)) as typeof setInterval;
}

/** Hidden, then frozen: what the browser tells a page it is about to freeze; then none of its timers run. */
async function freeze(page: Page): Promise<void> {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    document.dispatchEvent(new Event('freeze'));
    (window as unknown as { __frozen: boolean }).__frozen = true;
  });
}

async function resume(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frozen: boolean; __thawed: Array<() => void> };
    w.__frozen = false;
    for (const run of w.__thawed.splice(0)) run();
    document.dispatchEvent(new Event('resume'));
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
}

const noReuse = (mock: RunningMockServer) => expect(mock.events('refresh_token.reuse_detected'), 'reuse detections').toHaveLength(0);

test('the leader tab closes: the other tab leads; one tab refreshes at a time, no reuse', async ({ context, app, mock }) => {
  const a = await tab(context, app, mock);
  await loginWithRedirect(a.page, app);
  a.refreshes = 0;
  const b = await tab(context, app, mock);
  expect(await clientCall(b.page, 'isAuthenticated')).toEqual({ ok: true, value: true });

  await expect.poll(() => a.refreshes, { message: 'the first tab leads', timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  expect(b.refreshes, 'the other tab does not refresh while the leader lives').toBe(0);

  await a.page.close();
  await expect.poll(() => b.refreshes, { message: 'the other tab leads once the leader closed', timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  noReuse(mock);
  expect(await clientCall(b.page, 'isAuthenticated')).toEqual({ ok: true, value: true });
});

test('the leader tab is hidden and frozen: the other tab leads; resumed, it waits in line; no double refresh, no reuse', async ({ context, app, mock }) => {
  const a = await tab(context, app, mock, { freezable: true });
  await loginWithRedirect(a.page, app);
  const b = await tab(context, app, mock);
  a.refreshes = 0;
  await expect.poll(() => a.refreshes, { message: 'the first tab leads', timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  expect(b.refreshes).toBe(0);

  await freeze(a.page);
  const aFrozen = a.refreshes;
  await expect.poll(() => b.refreshes, { message: 'the other tab leads while the leader is frozen', timeout: 15_000 }).toBeGreaterThanOrEqual(2);

  await resume(a.page);
  const [aBefore, bBefore] = [a.refreshes, b.refreshes];
  expect(aBefore, 'the frozen tab sent nothing').toBe(aFrozen);
  await expect.poll(() => b.refreshes, { message: 'the new leader keeps leading', timeout: 15_000 }).toBeGreaterThanOrEqual(bBefore + 2);
  expect(a.refreshes, 'the resumed tab waits for the lock: no second refresher').toBe(aBefore);

  await b.page.close();
  await expect.poll(() => a.refreshes, { message: 'the resumed tab leads again once the other closes', timeout: 15_000 }).toBeGreaterThan(aBefore);
  noReuse(mock);
  expect(await clientCall(a.page, 'isAuthenticated')).toEqual({ ok: true, value: true });
});
