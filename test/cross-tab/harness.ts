/**
 * Two (or more) AuthClients in one process, sharing one storage, play two
 * tabs of one origin. Only the network is faked: msw routes fetch to the mock
 * server's handler. In Node there is no navigator.locks, so both clients use
 * the in-tab lock of src/lock.ts, which they share here just as two real tabs
 * share one Web Lock.
 */
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { AuthClient, createAuthClient } from '../../src/client/client.js';
import type { AuthClientOptions } from '../../src/client/options.js';
import { openTabSync, type TabMessage } from '../../src/session/tab-sync.js';
import { createMockServer, type MockServer } from '../../src/mock-server/index.js';

export const AUTH = 'https://auth.rotor.test';
export const CLIENT_ID = 'demo';
export const API = 'https://api.rotor.test';
export const OTHER_API = 'https://other-api.rotor.test';
export const PREFIX = `@@rotor@@::${CLIENT_ID}::`;

export interface Net {
  server: MockServer;
  /** While set, responses of POST /oauth/token are held back until it resolves (the server has already acted). */
  holdTokenResponses?: Promise<void>;
  /** The same for POST /oauth/revoke. */
  holdRevocations?: Promise<void>;
}

/** One mock server per test; msw for the whole file. */
export function useMockNetwork(): Net {
  const net = {} as Net;
  const msw = setupServer(
    http.all(`${AUTH}/*`, async ({ request }) => {
      const path = request.method === 'POST' && new URL(request.url).pathname;
      const response = await net.server.fetch(request);
      if (path === '/oauth/token' && net.holdTokenResponses) await net.holdTokenResponses;
      if (path === '/oauth/revoke' && net.holdRevocations) await net.holdRevocations;
      return response;
    }),
  );
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => msw.close());
  beforeEach(() => {
    net.holdTokenResponses = net.holdRevocations = undefined;
    net.server = createMockServer({ autoLogin: 'user-1', accessTokenTtl: 3600 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  return net;
}

export function clientOptions(extra: Partial<AuthClientOptions>): AuthClientOptions {
  return {
    domain: AUTH,
    clientId: CLIENT_ID,
    authorizationParams: { redirect_uri: 'https://app.rotor.test/callback', audience: API },
    ...extra,
  };
}

/** Sign in through the mock server (auto-login) and complete the callback in `client`. */
export async function signIn(net: Net, client: AuthClient): Promise<void> {
  let authorizeUrl: string | undefined;
  await client.loginWithRedirect({ openUrl: (u) => void (authorizeUrl = u) });
  const res = await net.server.fetch(new Request(authorizeUrl!));
  const location = res.headers.get('location');
  expect(res.status, 'authorize should redirect back with a code').toBe(302);
  await client.handleRedirectCallback(location!);
}

/** Move the shared clock (client and server both read Date.now()) past the access token's expiry. */
export function expireAccessTokens(): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 2 * 3600 * 1000);
}

export function refreshRequests(net: Net) {
  // Requests the clients sent (control.replay, the simulated attacker, is left out).
  return net.server.control.events({ type: 'token_request' }).filter((e) => e.grant_type === 'refresh_token' && !e.replay);
}

export function reuseDetections(net: Net) {
  return net.server.control.events({ type: 'refresh_token.reuse_detected' });
}

/** Records what clients announce on the client's BroadcastChannel. */
export function listenToTabs(): { messages: TabMessage[]; next(type: TabMessage['type']): Promise<TabMessage>; close(): void } {
  const sync = openTabSync(`rotor-auth:${CLIENT_ID}`);
  const messages: TabMessage[] = [];
  const waiters: Array<[TabMessage['type'], (m: TabMessage) => void]> = [];
  sync.subscribe((m) => {
    messages.push(m);
    for (const w of waiters.splice(0)) {
      if (w[0] === m.type) w[1](m);
      else waiters.push(w);
    }
  });
  return {
    messages,
    next: (type) => {
      const seen = messages.find((m) => m.type === type);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push([type, resolve]));
    },
    close: () => sync.close(),
  };
}

export { createAuthClient };
