// The fault table of issue 10: each fault, the cache modes it applies to, the server profile
// it needs, and what it does to a signed-in page. The spec (faults.spec.ts) runs every
// fault × cache mode and then checks the common pass criterion (the session continues),
// except for faults that end the session on purpose (logout).
import type { BrowserContext, Page, Route } from '@playwright/test';
import { advanceClocks, clientCall, expect, tokenRequests, type Attempt, type CacheLocation, type RunningMockServer, type StaticServer } from '../fixtures.js';
import { armStorageFault, callDone, isStalled, releaseStall, settledCall, startCall, storageFaultsFired, storedValues, type ServerProfile } from './fixtures.js';

export const CACHE_MODES: readonly CacheLocation[] = ['memory', 'localstorage', 'indexeddb'];
export const PERSISTENT: readonly CacheLocation[] = ['localstorage', 'indexeddb'];

// Checks are soft: a fault that breaks one step still runs the rest of the scenario, so the
// summary counts the reuse detections the fault actually leads to (the test fails all the same).

export interface FaultContext {
  page: Page;
  context: BrowserContext;
  app: StaticServer;
  mock: RunningMockServer;
  cache: CacheLocation;
  /** Access tokens handed out so far (a "new" token is one not in here). */
  seen: Set<string>;
}

export interface Fault {
  id: string;
  caches: readonly CacheLocation[];
  server: ServerProfile;
  /** Install the page clock before the harness opens (so the spec can move it). */
  clock?: boolean;
  /** Extra AuthClient options. */
  options?: Record<string, unknown>;
  /** `continues` (default): afterwards the common "session continues" checks run; `ends`: the fault checks the sign-out itself. */
  outcome?: 'continues' | 'ends';
  /** Injects the fault, makes the calls it affects and checks them; returns with the fault cleared. */
  run(ctx: FaultContext): Promise<void>;
}

const forced = { cacheMode: 'off' } as const;
const TRANSIENT_STORAGE = ['storage_error'];

/** A call that succeeded with an access token never handed out before. */
export function expectNewToken(ctx: FaultContext, result: Attempt<string>, what: string): string {
  expect.soft(result, `${what}: ${JSON.stringify(result)}`).toMatchObject({ ok: true });
  const token = result.ok ? result.value : '';
  expect.soft(typeof token === 'string' && token.length > 0, `${what}: an access token`).toBe(true);
  expect.soft(ctx.seen.has(token), `${what}: a new access token`).toBe(false);
  ctx.seen.add(token);
  return token;
}

/** A rejected call with a typed rotor-auth error (a GenericError with an `error` code). */
export function expectTypedError(result: Attempt<unknown>, what: string): Extract<Attempt<unknown>, { ok: false }> {
  expect.soft(result.ok, `${what} should reject: ${JSON.stringify(result)}`).toBe(false);
  if (result.ok) throw new Error(`${what} did not reject`);
  expect.soft(result.classes, `${what}: a GenericError`).toContain('GenericError');
  expect.soft(typeof result.error, `${what}: an error code`).toBe('string');
  return result;
}

function expectOneOf(value: string | undefined, allowed: readonly string[]): void {
  expect.soft(allowed, `error code ${String(value)}`).toContain(value);
}

async function expectStillSignedIn(page: Page, what: string): Promise<void> {
  expect.soft(await clientCall(page, 'isAuthenticated'), what).toEqual({ ok: true, value: true });
}

function jwksUrl(mock: RunningMockServer): (url: URL) => boolean {
  return (url) => url.origin === mock.url && url.pathname === '/.well-known/jwks.json';
}

function isRefreshPost(mock: RunningMockServer, route: Route): boolean {
  const req = route.request();
  const url = new URL(req.url());
  // Firefox (Playwright's moz-firefox channel, WebDriver BiDi) gives no request body: postData() is null.
  // Every fault installs its route after the login, so there a POST to /oauth/token is a refresh.
  const body = req.postData();
  return url.origin === mock.url && url.pathname === '/oauth/token' && req.method() === 'POST' && (body === null || body.includes('grant_type=refresh_token'));
}

/** The server and the browser agree again after `seconds` on both clocks. */
const RETRY_AFTER = 30;

async function expectNothingSentBeforeRetryAfter(ctx: FaultContext, sentBefore: number, what: string): Promise<void> {
  const again = await clientCall<string>(ctx.page, 'getTokenSilently', forced);
  const err = expectTypedError(again, `${what}: a refresh inside Retry-After`);
  expect.soft(err.retryAfter, `${what}: retryAfter of the call inside the window`).toBeGreaterThan(0);
  expect.soft(err.retryAfter as number).toBeLessThanOrEqual(RETRY_AFTER);
  expect.soft(tokenRequests(ctx.mock, 'refresh_token').length, `${what}: no refresh sent before Retry-After`).toBe(sentBefore);
  await expectStillSignedIn(ctx.page, `${what}: still signed in`);
}

async function jwksBlockedRefresh(ctx: FaultContext): Promise<void> {
  const { page, mock } = ctx;
  // New signing key: the next ID token names a kid the page has never fetched.
  await mock.control.rotateKeys();
  await page.route(jwksUrl(mock), (route) => route.abort('connectionrefused'));
  // Counted from here: on the shortLived server the first (non-forced) call already refreshed.
  const rotatedBefore = mock.events('refresh_token.rotated').length;
  const during = await clientCall<string>(page, 'getTokenSilently', forced);
  expectNewToken(ctx, during, 'refresh while the JWKS is unreachable (deferred ID-token check)');
  expect.soft(mock.events('refresh_token.rotated')).toHaveLength(rotatedBefore + 1);
  await expectStillSignedIn(page, 'signed in while the JWKS is unreachable');
  const claims = await clientCall<{ sub?: string }>(page, 'getIdTokenClaims');
  expect.soft(claims, 'the previous claims are kept').toMatchObject({ ok: true, value: { sub: 'user-1' } });
}

/** One localStorage/IndexedDB read (or write) of the refresh-token entry throws once during a refresh. */
function throwingStorage(kind: 'read' | 'write'): Fault {
  return {
    id: `storage-${kind}-throws`,
    caches: PERSISTENT,
    server: 'strict',
    async run(ctx) {
      const { page } = ctx;
      await armStorageFault(page, kind, '::rt::');
      const result = await clientCall<string>(page, 'getTokenSilently', forced);
      expect.soft((await storageFaultsFired(page))[kind], `the refresh-token ${kind} threw once`).toBe(1);
      // Either outcome is allowed; losing the refresh token is not (checked after the fault).
      if (result.ok) expectNewToken(ctx, result, `refresh with one throwing ${kind}`);
      else expectOneOf(expectTypedError(result, `refresh with one throwing ${kind}`).error, TRANSIENT_STORAGE);
    },
  };
}

export const FAULTS: readonly Fault[] = [
  {
    id: 'jwks-unreachable',
    caches: CACHE_MODES,
    server: 'strict',
    async run(ctx) {
      await jwksBlockedRefresh(ctx);
      await ctx.page.unroute(jwksUrl(ctx.mock));
    },
  },
  {
    id: 'jwks-unreachable-reload',
    caches: PERSISTENT,
    // Access tokens that are never fresh: the start-up after the reload must refresh.
    server: 'shortLived',
    async run(ctx) {
      const { page, mock } = ctx;
      await jwksBlockedRefresh(ctx);
      await page.reload();
      // createAuthClient must not reject (the harness reports 'failed' if it does).
      await expect.poll(() => page.evaluate(() => (window as unknown as { e2e?: { state: string; startError?: string } }).e2e?.state)).not.toBe('starting');
      const state = await page.evaluate(() => (window as unknown as { e2e: { state: string; startError?: string } }).e2e);
      expect.soft(state, 'createAuthClient after a reload with the JWKS unreachable').toMatchObject({ state: 'ready' });
      await expectStillSignedIn(page, 'signed in after the reload');
      expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently', forced), 'refresh after the reload, JWKS still unreachable');
      await page.unroute(jwksUrl(mock));
    },
  },
  {
    id: 'clock-skew-120s',
    caches: CACHE_MODES,
    server: 'strict',
    clock: true,
    async run(ctx) {
      const { page, mock } = ctx;
      // The server's clock runs 120 s ahead of the browser's (beyond the default 60 s leeway).
      mock.control.advanceClock(120);
      for (let i = 1; i <= 3; i++) {
        const token = expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently', forced), `refresh ${i} during the skew`);
        expect.soft(await clientCall<string>(page, 'getTokenSilently'), `cache hit ${i} during the skew`).toEqual({ ok: true, value: token });
        await expectStillSignedIn(page, `signed in during the skew (${i})`);
      }
      expect.soft(mock.events('refresh_token.rotated')).toHaveLength(3);
      // The skew ends: the browser catches up with the server.
      await page.clock.fastForward(120_000);
    },
  },
  throwingStorage('read'),
  throwingStorage('write'),
  {
    // The holder's token request is out and its response is slower than the hold limit:
    // the page clock jumps past the hold limit (and the HTTP timeouts) while the server holds the answer.
    id: 'lock-holder-response-past-limit',
    caches: CACHE_MODES,
    server: 'lenient',
    clock: true,
    options: { httpTimeoutInSeconds: 5 },
    async run(ctx) {
      const { page, mock } = ctx;
      mock.control.faults({ delayMs: 1500 });
      await startCall(page, 'holder', 'getTokenSilently', forced);
      await expect.poll(() => tokenRequests(mock, 'refresh_token').length).toBeGreaterThan(0);
      // Only the page's clock jumps: the server's reuse interval keeps counting real time.
      await page.clock.fastForward(60_000);
      await startCall(page, 'next', 'getTokenSilently', forced);
      const next = await settledCall<string>(page, 'next');
      const holder = await settledCall<string>(page, 'holder');
      mock.control.faults({ clear: true });
      if (holder.ok) expectNewToken(ctx, holder, 'the slow holder');
      else expectOneOf(expectTypedError(holder, 'the slow holder').error, ['timeout', 'network_error']);
      expectNewToken(ctx, next, 'the next caller');
      expect.soft(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    },
  },
  {
    // The holder stalls between reading its refresh token and sending it: its access-token
    // re-check under the lock (an IndexedDB read) does not return until the page clock is past
    // the hold limit and another caller has taken the lock and rotated. The stalled holder must
    // be aborted before it sends (access tokens are never fresh here, so no cache answer saves it).
    id: 'lock-holder-stalled-past-limit',
    caches: ['indexeddb'],
    server: 'shortLived',
    clock: true,
    async run(ctx) {
      const { page, mock } = ctx;
      await armStorageFault(page, 'stall', '::at::');
      await startCall(page, 'holder', 'getTokenSilently', forced);
      await expect.poll(() => isStalled(page), { message: 'the holder stalls under the lock' }).toBe(true);
      await advanceClocks(page.clock, mock, 120);
      await startCall(page, 'next', 'getTokenSilently', forced);
      // The next caller must not wait for the stalled holder; if it does, release the stall anyway.
      const nextFinished = await expect
        .poll(() => callDone(page, 'next'), { timeout: 10_000 })
        .toBe(true)
        .then(() => true, () => false);
      await releaseStall(page);
      const next = await settledCall<string>(page, 'next');
      const holder = await settledCall<string>(page, 'holder');
      expect.soft(nextFinished, 'the next caller got the lock after the hold limit').toBe(true);
      expectNewToken(ctx, next, 'the next caller');
      if (holder.ok) expectNewToken(ctx, holder, 'the stalled holder');
      else expectOneOf(expectTypedError(holder, 'the stalled holder').error, ['timeout', 'storage_error']);
      expect.soft(mock.events('refresh_token.reuse_detected'), 'the stalled holder never presented a rotated token').toHaveLength(0);
    },
  },
  {
    id: 'logout-during-refresh',
    caches: CACHE_MODES,
    server: 'strict',
    outcome: 'ends',
    async run(ctx) {
      const { page, mock } = ctx;
      // The server applies the rotation at once; its answer reaches the page only after logout. Held in the
      // page (its fetch wrapped, as a slow network would): Playwright's route.fetch() cannot replay a POST
      // body over Firefox's BiDi, and this way every engine runs the same hold.
      await page.evaluate(() => {
        const w = window as unknown as { __heldRefresh: { answered: boolean; deliver?: () => void } };
        const held: (typeof w)['__heldRefresh'] = (w.__heldRefresh = { answered: false });
        const real = window.fetch;
        window.fetch = async (...args: Parameters<typeof fetch>) => {
          const [input, init] = args;
          if (!String(input).endsWith('/oauth/token') || !String(init?.body).includes('grant_type=refresh_token')) return real(...args);
          window.fetch = real; // only the first refresh is held
          const res = await real(...args);
          held.answered = true;
          const signal = init?.signal;
          await new Promise<void>((resolve, reject) => {
            held.deliver = resolve;
            signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')));
          });
          return res;
        };
      });
      const answered = () => page.evaluate(() => (window as unknown as { __heldRefresh: { answered: boolean } }).__heldRefresh.answered);
      const deliver = () => page.evaluate(() => (window as unknown as { __heldRefresh: { deliver?: () => void } }).__heldRefresh.deliver?.());
      await startCall(page, 'refresh', 'getTokenSilently', forced);
      await expect.poll(answered, { message: 'the server answered the refresh' }).toBe(true);
      expect.soft(mock.events('refresh_token.rotated'), 'the server rotated').toHaveLength(1);
      const logout = await Promise.race([
        clientCall(page, 'logout', { openUrl: false }),
        new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 15_000)),
      ]);
      await deliver();
      await settledCall(page, 'refresh');
      expect.soft(logout, 'logout completes while a refresh is in flight').toEqual({ ok: true, value: null });
      await expectSignedOut(ctx, 'after the in-flight refresh completed');
      if (ctx.cache !== 'memory') {
        await page.reload();
        await expect.poll(() => page.evaluate(() => (window as unknown as { e2e?: { state: string } }).e2e?.state)).toBe('ready');
        await expectSignedOut(ctx, 'after a reload');
      }
    },
  },
  {
    id: 'lost-response-in-reuse-interval',
    caches: CACHE_MODES,
    server: 'lenient',
    async run(ctx) {
      const { page, mock } = ctx;
      mock.control.faults({ dropNextRotation: 1 });
      expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently', forced), 'refresh whose first response is lost');
      expect.soft(mock.events('refresh_token.reuse_interval'), 'recovered inside the reuse interval').toHaveLength(1);
    },
  },
  {
    id: 'body-breaks-off-in-reuse-interval',
    caches: CACHE_MODES,
    server: 'lenient',
    async run(ctx) {
      const { page, mock } = ctx;
      // The server rotates and answers 200, but the page's copy of the body breaks off (as a dropped connection would).
      await page.evaluate(() => {
        const real = window.fetch;
        let armed = true;
        window.fetch = async (...args: Parameters<typeof fetch>) => {
          const res = await real(...args);
          if (!armed || !String(args[0]).endsWith('/oauth/token') || !res.ok) return res;
          armed = false;
          window.fetch = real;
          return new Response(new ReadableStream({ start: (c) => c.error(new TypeError('network error')) }), { status: res.status, headers: res.headers });
        };
      });
      expectNewToken(ctx, await clientCall<string>(page, 'getTokenSilently', forced), 'refresh whose first answer broke off');
      expect.soft(mock.events('refresh_token.rotated').length, 'the first attempt did rotate').toBeGreaterThanOrEqual(1);
      expect.soft(mock.events('refresh_token.reuse_interval'), 'recovered inside the reuse interval').toHaveLength(1);
    },
  },
  {
    id: '429-retry-after-json',
    caches: CACHE_MODES,
    server: 'strict',
    clock: true,
    async run(ctx) {
      const { page, mock } = ctx;
      mock.control.faults({ failNext: { status: 429, retryAfter: RETRY_AFTER } });
      const result = await clientCall<string>(page, 'getTokenSilently', forced);
      const err = expectTypedError(result, 'refresh answered 429');
      expect.soft(err).toMatchObject({ error: 'too_many_requests', status: 429, retryAfter: RETRY_AFTER });
      expect.soft(err.classes).toContain('OAuthError');
      await expectNothingSentBeforeRetryAfter(ctx, tokenRequests(mock, 'refresh_token').length, '429 (JSON)');
      await advanceClocks(page.clock, mock, RETRY_AFTER + 1);
    },
  },
  {
    id: '429-retry-after-html',
    caches: CACHE_MODES,
    server: 'strict',
    clock: true,
    async run(ctx) {
      const { page, mock, app } = ctx;
      // A proxy in front of the server answers with an HTML page.
      let answered = 0;
      const onlyOnce = (url: URL) => url.origin === mock.url && url.pathname === '/oauth/token';
      await page.route(onlyOnce, async (route) => {
        if (!isRefreshPost(mock, route) || answered > 0) return route.fallback();
        answered++;
        await route.fulfill({
          status: 429,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'retry-after': String(RETRY_AFTER),
            'access-control-allow-origin': app.url,
            'access-control-expose-headers': 'Retry-After',
          },
          body: '<!doctype html><html><body><h1>429 Too Many Requests</h1></body></html>',
        });
      });
      const result = await clientCall<string>(page, 'getTokenSilently', forced);
      expect.soft(answered, 'the proxy answered').toBe(1);
      const err = expectTypedError(result, 'refresh answered 429 (HTML)');
      expect.soft(err).toMatchObject({ status: 429, retryAfter: RETRY_AFTER });
      expect.soft(err.classes.some((c) => c === 'NetworkError' || c === 'OAuthError'), `NetworkError or OAuthError: ${err.classes.join(',')}`).toBe(true);
      await expectNothingSentBeforeRetryAfter(ctx, tokenRequests(mock, 'refresh_token').length, '429 (HTML)');
      expect.soft(answered, 'nothing reached the proxy either').toBe(1);
      await page.unroute(onlyOnce);
      await advanceClocks(page.clock, mock, RETRY_AFTER + 1);
    },
  },
  {
    id: '503',
    caches: CACHE_MODES,
    server: 'strict',
    async run(ctx) {
      const { page, mock } = ctx;
      mock.control.faults({ failNext: { status: 503 } });
      const err = expectTypedError(await clientCall<string>(page, 'getTokenSilently', forced), 'refresh answered 503');
      expect.soft(err).toMatchObject({ error: 'temporarily_unavailable', status: 503 });
      expect.soft(err.classes).toContain('OAuthError');
      await expectStillSignedIn(page, 'signed in after a 503');
    },
  },
  {
    id: 'offline',
    caches: CACHE_MODES,
    server: 'strict',
    async run(ctx) {
      const { page, context } = ctx;
      const cached = await clientCall<string>(page, 'getTokenSilently');
      await context.setOffline(true);
      const err = expectTypedError(await clientCall<string>(page, 'getTokenSilently', forced), 'refresh while offline');
      expectOneOf(err.error, ['network_error', 'timeout']);
      await expectStillSignedIn(page, 'signed in while offline');
      expect.soft(await clientCall<string>(page, 'getTokenSilently'), 'the cached access token while offline').toEqual(cached);
      await context.setOffline(false);
    },
  },
];

/** Signed out completely: no token of the session in storage, every family revoked at the server, no token handed out. */
export async function expectSignedOut(ctx: FaultContext, when: string): Promise<void> {
  const { page, mock } = ctx;
  expect.soft(await clientCall(page, 'isAuthenticated'), `isAuthenticated ${when}`).toEqual({ ok: true, value: false });
  const families = mock.control.families();
  expect.soft(families.length).toBeGreaterThan(0);
  expect.soft(families.map((f) => f.status), `families at the server ${when}`).not.toContain('active');
  const secrets = [...families.flatMap((f) => f.tokens.map((t) => t.value)), ...ctx.seen];
  const stored = (await storedValues(page)).join('\n');
  expect.soft(secrets.filter((s) => stored.includes(s)), `tokens left in storage ${when}`).toEqual([]);
  const after = await clientCall<string>(page, 'getTokenSilently');
  expect.soft(after.ok, `getTokenSilently ${when}: ${JSON.stringify(after)}`).toBe(false);
  expect.soft(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
}
