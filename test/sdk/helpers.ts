/**
 * Shared harness for SDK tests: msw routes every request for the
 * authorization server's origin to the mock server's fetch handler (no
 * socket). Only the network (msw) and the clock (vi fake Date) are faked.
 */
import { http, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { createMockServer, type MockServer, type MockServerOptions } from '../../src/mock-server/index.js';
import { AuthClient } from '../../src/client/client.js';
import type { AuthClientOptions, AuthorizationParams } from '../../src/client/options.js';

export const AUTH = 'https://auth.rotor.test';
export const APP = 'https://app.rotor.test';
export const API = 'https://api.rotor.test';
export const OTHER_API = 'https://other-api.rotor.test';

export interface Harness {
  mock: MockServer;
  /** Every request msw saw, as `METHOD path`. */
  requests: string[];
  use(...handlers: RequestHandler[]): void;
  start(options?: MockServerOptions): MockServer;
}

export function harness(): Harness {
  const h: Harness = {
    mock: createMockServer({ autoLogin: 'user-1' }),
    requests: [],
    use: (...handlers) => msw.use(...handlers),
    start(options = {}) {
      h.mock = createMockServer({ autoLogin: 'user-1', ...options });
      h.requests.length = 0;
      return h.mock;
    },
  };
  const msw = setupServer(http.all(`${AUTH}/*`, ({ request }) => h.mock.fetch(request)));
  msw.events.on('request:start', ({ request }) => {
    const u = new URL(request.url);
    h.requests.push(`${request.method} ${u.pathname}`);
  });
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => msw.resetHandlers());
  afterAll(() => msw.close());
  return h;
}

export function makeClient(options: Partial<AuthClientOptions> = {}): AuthClient {
  return new AuthClient({
    domain: AUTH,
    clientId: 'demo',
    authorizationParams: { redirect_uri: `${APP}/callback`, audience: API },
    ...options,
  });
}

/** Start a redirect login and let the mock server (autoLogin) answer /authorize; returns the callback URL. */
export async function authorize(
  h: Harness,
  client: AuthClient,
  opts: { authorizationParams?: AuthorizationParams; appState?: unknown } = {},
): Promise<{ authorizeUrl: URL; callbackUrl: string }> {
  let opened: string | undefined;
  await client.loginWithRedirect({ ...opts, openUrl: (u) => void (opened = u) });
  if (!opened) throw new Error('openUrl was not called');
  const res = await h.mock.fetch(new Request(opened));
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return { authorizeUrl: new URL(opened), callbackUrl: location };
}

export async function login(h: Harness, client: AuthClient, opts: { authorizationParams?: AuthorizationParams; appState?: unknown } = {}) {
  const { callbackUrl } = await authorize(h, client, opts);
  return client.handleRedirectCallback(callbackUrl);
}

export function tokenRequests(h: Harness, grant?: string) {
  return h.mock.control.events({ type: 'token_request' }).filter((e) => !grant || e.grant_type === grant);
}

export function events(h: Harness, type: string) {
  return h.mock.control.events().filter((e) => e.type === type);
}

/** Catch a rejection so tests can assert its class, `error` and message. */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & { error?: string; error_description?: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { error?: string };
  }
  throw new Error('expected a rejection');
}

/** Move the (fake) wall clock; the mock server's clock follows Date.now(). */
export function advance(seconds: number): void {
  vi.setSystemTime(Date.now() + seconds * 1000);
}

/** Fake Date only (timers stay real), fixed start; `then` runs after it in each beforeEach. */
export function useFakeDate(then?: () => void): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T12:00:00Z'));
    then?.();
  });
  afterEach(() => vi.useRealTimers());
}
