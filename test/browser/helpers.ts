/** Shared by the Chromium tests: the real mock server (global-setup), sign-in through a hidden iframe, clock moves. */
import { createStore } from 'idb-keyval';
import { expect, inject, vi } from 'vitest';
import type { AuthClient } from '../../src/client/client.js';

export const AUTH = inject('rotorAuthUrl');
export const CLIENT_ID = 'demo';
export const REDIRECT = `${location.origin}/__rotor_callback`;

export async function control<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${AUTH}/__control/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.ok, `control ${path}`).toBe(true);
  return (await res.json()) as T;
}

export interface ServerEvent {
  type: string;
  grant_type?: string;
  status?: number;
}
export async function events(type: string): Promise<ServerEvent[]> {
  const body = await control<ServerEvent[] | { events: ServerEvent[] }>(`events?type=${encodeURIComponent(type)}`);
  return Array.isArray(body) ? body : body.events;
}
export const refreshRequests = async () => (await events('token_request')).filter((e) => e.grant_type === 'refresh_token');

/** Runs /authorize (auto-login) in a hidden iframe; the redirect lands on our own origin, where the URL is readable. */
export async function signIn(client: AuthClient): Promise<void> {
  // Every test's sign-in stands for a fresh tab: the loop breaker's count of this tab's logins starts again
  // (many tests sign in within its 60 s window in this one page; test/sdk/loop-breaker.test.ts tests the breaker).
  for (const key of Object.keys(sessionStorage)) if (key.endsWith(':logins')) sessionStorage.removeItem(key);
  let authorizeUrl = '';
  await client.loginWithRedirect({ openUrl: (u) => void (authorizeUrl = u) });
  const frame = document.createElement('iframe');
  frame.style.display = 'none';
  const landed = new Promise<string>((resolve) => {
    frame.addEventListener('load', () => {
      try {
        const href = frame.contentWindow!.location.href;
        if (href.startsWith(REDIRECT)) resolve(href);
      } catch {
        // still on the authorization server's origin
      }
    });
  });
  frame.src = authorizeUrl;
  document.body.appendChild(frame);
  const callbackUrl = await landed;
  frame.remove();
  await client.handleRedirectCallback(callbackUrl);
}

export async function expireAccessTokens(): Promise<void> {
  await control('clock', { advance: 7200 });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 7200 * 1000);
}

export const idbStore = createStore('rotor-auth', 'tokens');

