// Scenario 7 in WebKit: rows of the fault matrix (e2e/faults/matrix.ts) with the IndexedDB cache.
// The server profile of each row comes from the matrix (FAULTS[id].server → SERVER_PROFILES);
// its server-side faults are the same control-API calls (failNext, dropNextRotation). What the
// Chromium matrix does with Playwright (page.route, setOffline, a fake page clock), WebDriver
// cannot: here the mock sits behind an HTTPS front door (fixtures.ts startFrontedMockServer) that
// cuts sockets or refuses connections, and Retry-After is a short real wait.
// Pass, as in the matrix: the fault ends in a typed error or a recovered token, the refresh token
// is kept (a forced refresh after the fault rotates once, also after a reload), 0 reuse detections.
import type { WebDriver } from 'selenium-webdriver';
import { SERVER_PROFILES } from '../faults/fixtures.js';
import { expectTypedError, FAULTS } from '../faults/matrix.js';
import { tokenRequests, type Attempt } from '../fixtures.js';
import { clientCall, expect, loginWithRedirect, openHarness, startFrontedMockServer, test as base, waitForHarness, type FrontedMockServer } from './fixtures.js';

const test = base.extend<{ fronted: FrontedMockServer }>({
  fronted: async ({ mockOptions }, use) => {
    const mock = await startFrontedMockServer(mockOptions);
    await use(mock);
    await mock.close();
  },
});

const forced = { cacheMode: 'off' } as const;
/** Seconds: short, because WebDriver has no fake page clock (the matrix uses 30 and moves both clocks). */
const RETRY_AFTER = 2;

function row(id: string) {
  const fault = FAULTS.find((f) => f.id === id);
  if (!fault) throw new Error(`no fault ${id} in e2e/faults/matrix.ts`);
  expect(fault.caches).toContain('indexeddb');
  return { mockOptions: SERVER_PROFILES[fault.server] };
}

const rotations = (mock: FrontedMockServer) => mock.events('refresh_token.rotated').length;

async function signIn(driver: WebDriver, app: Parameters<typeof openHarness>[1], mock: FrontedMockServer): Promise<string> {
  await openHarness(driver, app, { domain: mock.url, cacheLocation: 'indexeddb' });
  await loginWithRedirect(driver, app);
  const first = await clientCall<string>(driver, 'getTokenSilently');
  expect(first).toMatchObject({ ok: true, value: expect.any(String) });
  return (first as { value: string }).value;
}

/** The fault has cleared: one forced refresh = one rotation, a new token; again after a reload (the RT lives in IndexedDB). */
async function expectSessionContinues(driver: WebDriver, mock: FrontedMockServer, seen: Set<string>): Promise<void> {
  for (const when of ['after the fault', 'after a reload']) {
    if (when === 'after a reload') {
      await driver.navigate().refresh();
      await waitForHarness(driver);
    }
    const before = rotations(mock);
    const next = await clientCall<string>(driver, 'getTokenSilently', forced);
    expect(next, `refresh ${when}`).toMatchObject({ ok: true, value: expect.any(String) });
    expect(seen.has((next as { value: string }).value), `a new access token ${when}`).toBe(false);
    seen.add((next as { value: string }).value);
    expect(rotations(mock) - before, `one rotation ${when}`).toBe(1);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
  }
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  expect(mock.control.families().map((f) => f.status)).toEqual(['active']);
}

/** The refresh token the family holds now (to check a failed refresh left it alone). */
const currentRefreshToken = (mock: FrontedMockServer) => mock.control.families()[0]?.tokens.find((t) => t.state === 'current')?.value;

/** 429/503 with Retry-After: a typed error carrying retryAfter; nothing is sent inside the window; nothing is lost. */
async function expectRetryAfterRespected(driver: WebDriver, mock: FrontedMockServer, result: Attempt<string>, rtBefore: string | undefined, what: string) {
  const err = expectTypedError(result, what);
  expect(err.classes).toContain('OAuthError');
  expect(err.retryAfter).toBe(RETRY_AFTER);
  expect(currentRefreshToken(mock), 'the refresh token was not rotated nor thrown away').toBe(rtBefore);
  const sent = tokenRequests(mock, 'refresh_token').length;
  const inside = expectTypedError(await clientCall<string>(driver, 'getTokenSilently', forced), `${what}: a refresh inside Retry-After`);
  expect(inside.retryAfter).toBeGreaterThan(0);
  expect(inside.retryAfter).toBeLessThanOrEqual(RETRY_AFTER);
  expect(tokenRequests(mock, 'refresh_token'), 'nothing sent before Retry-After').toHaveLength(sent);
  expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
  await new Promise((r) => setTimeout(r, RETRY_AFTER * 1000 + 200));
}

test.describe('jwks', () => {
  test.use(row('jwks-unreachable'));

  test('jwks blip at login: the JWKS request is cut once, the ID token is still verified (refetch) and the session starts', async ({ driver, app, fronted: mock }) => {
    mock.front.rules.push({ method: 'GET', path: '/.well-known/jwks.json', action: 'destroy' });
    const seen = new Set([await signIn(driver, app, mock)]);
    const jwks = mock.front.requests.filter((r) => r.path === '/.well-known/jwks.json');
    expect(jwks[0], 'the first JWKS request was cut').toMatchObject({ destroyed: true });
    expect(jwks.filter((r) => r.status === 200).length, 'the keys were fetched again').toBeGreaterThanOrEqual(1);
    expect(await clientCall(driver, 'getIdTokenClaims')).toMatchObject({ ok: true, value: { sub: 'user-1' } });
    await expectSessionContinues(driver, mock, seen);
  });

  test('jwks blip after a key rotation: the refresh succeeds, its ID-token check is deferred, the session and claims are kept', async ({ driver, app, fronted: mock }) => {
    const seen = new Set([await signIn(driver, app, mock)]);
    await mock.control.rotateKeys(); // the next ID token names a kid the page has never fetched
    mock.front.rules.push({ method: 'GET', path: '/.well-known/jwks.json', action: 'destroy' });
    const before = rotations(mock);
    const during = await clientCall<string>(driver, 'getTokenSilently', forced);
    expect(during).toMatchObject({ ok: true, value: expect.any(String) });
    seen.add((during as { value: string }).value);
    expect(rotations(mock) - before).toBe(1);
    expect(mock.front.rules, 'the blip happened').toHaveLength(0);
    expect(mock.front.requests.filter((r) => r.path === '/.well-known/jwks.json' && r.destroyed)).toHaveLength(1);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall(driver, 'getIdTokenClaims'), 'the previous claims are kept').toMatchObject({ ok: true, value: { sub: 'user-1' } });
    await expectSessionContinues(driver, mock, seen);
  });
});

test.describe('429', () => {
  test.use(row('429-retry-after-json'));
  test('429 with Retry-After on the token endpoint: typed error, nothing sent inside the window, the refresh token kept', async ({ driver, app, fronted: mock }) => {
    const seen = new Set([await signIn(driver, app, mock)]);
    const rt = currentRefreshToken(mock);
    mock.control.faults({ failNext: { status: 429, retryAfter: RETRY_AFTER } });
    const result = await clientCall<string>(driver, 'getTokenSilently', forced);
    expect(result).toMatchObject({ ok: false, error: 'too_many_requests', status: 429 });
    expect(mock.events('fault.applied').map((e) => e.reason)).toEqual(['status_429']);
    await expectRetryAfterRespected(driver, mock, result, rt, 'refresh answered 429');
    await expectSessionContinues(driver, mock, seen);
  });
});

test.describe('503', () => {
  test.use(row('503'));
  test('503 with Retry-After on the token endpoint: typed error, nothing sent inside the window, the refresh token kept', async ({ driver, app, fronted: mock }) => {
    const seen = new Set([await signIn(driver, app, mock)]);
    const rt = currentRefreshToken(mock);
    // The mock's 503 has no Retry-After; the front door adds one (as a load balancer would).
    mock.control.faults({ failNext: { status: 503 } });
    mock.front.rules.push({ method: 'POST', path: '/oauth/token', action: { addHeaders: { 'Retry-After': String(RETRY_AFTER) } } });
    const result = await clientCall<string>(driver, 'getTokenSilently', forced);
    expect(result).toMatchObject({ ok: false, error: 'temporarily_unavailable', status: 503 });
    expect(mock.events('fault.applied').map((e) => e.reason)).toEqual(['status_503']);
    await expectRetryAfterRespected(driver, mock, result, rt, 'refresh answered 503');
    await expectSessionContinues(driver, mock, seen);
  });
});

test.describe('offline', () => {
  test.use(row('offline'));
  test('offline (the server refuses connections): network_error, the cached token still served, the refresh token kept', async ({ driver, app, fronted: mock }) => {
    const seen = new Set([await signIn(driver, app, mock)]);
    const rt = currentRefreshToken(mock);
    const cached = await clientCall<string>(driver, 'getTokenSilently');
    const sent = tokenRequests(mock).length;
    mock.front.offline = true;
    const err = expectTypedError(await clientCall<string>(driver, 'getTokenSilently', forced), 'refresh while offline');
    expect(['network_error', 'timeout']).toContain(err.error);
    expect(err.classes.some((c) => c === 'NetworkError' || c === 'TimeoutError'), err.classes.join(',')).toBe(true);
    expect(tokenRequests(mock), 'nothing reached the server').toHaveLength(sent);
    expect(currentRefreshToken(mock)).toBe(rt);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall<string>(driver, 'getTokenSilently'), 'the cached access token while offline').toEqual(cached);
    mock.front.offline = false;
    await expectSessionContinues(driver, mock, seen);
  });
});

test.describe('lost response', () => {
  test.use(row('lost-response-in-reuse-interval'));
  test('lost response in the reuse interval: the server rotates and drops the answer; the retry with the same token succeeds', async ({ driver, app, fronted: mock }) => {
    const seen = new Set([await signIn(driver, app, mock)]);
    const rt = currentRefreshToken(mock);
    mock.control.faults({ dropNextRotation: 1 });
    const result = await clientCall<string>(driver, 'getTokenSilently', forced);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, value: expect.any(String) });
    seen.add((result as { value: string }).value);
    expect(mock.events('fault.applied').map((e) => e.reason)).toEqual(['drop_response']);
    const refreshes = mock.events('token_request').filter((e) => e.grant_type === 'refresh_token');
    expect(refreshes.map((e) => e.status), 'the dropped rotation, then the retry').toEqual([200, 200]);
    expect(mock.events('refresh_token.reuse_interval'), 'the retry presented the same token inside the reuse interval').toHaveLength(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(currentRefreshToken(mock)).not.toBe(rt);
    await expectSessionContinues(driver, mock, seen);
  });
});
