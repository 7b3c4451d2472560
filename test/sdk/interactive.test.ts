// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"enableIframePageLoading":true,"disableIframePageLoading":false}}
/**
 * How client.ts wires the popup and the silent iframe (popup.ts /
 * silent-iframe.ts are tested by their owner). The authorization server's
 * answer is produced by the mock server; the browser's part (the popup
 * window, the iframe's web_message page) is played by the test, which posts
 * the same message the server's page would.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, createAuthClient, PopupOpenError } from '../../src/index.js';
import { API, APP, AUTH, harness, login, makeClient, OTHER_API, rejectionOf, tokenRequests } from './helpers.js';

const h = harness();
beforeEach(() => {
  h.start();
  sessionStorage.clear();
  localStorage.clear();
});

/**
 * Ask the mock server for the authorization response its web_message page
 * would post (same request, query mode). `signedIn`: answer as if the browser
 * carried a session cookie (happy-dom's Response drops Set-Cookie, so the test
 * cannot hold one): the autoLogin user answers the same request without `prompt=none`.
 */
async function serverAnswer(authorizeUrl: string, signedIn = true): Promise<Record<string, string>> {
  const u = new URL(authorizeUrl);
  expect(u.searchParams.get('response_mode')).toBe('web_message');
  u.searchParams.set('response_mode', 'query');
  if (signedIn) u.searchParams.delete('prompt');
  const res = await h.mock.fetch(new Request(u));
  const location = res.headers.get('location');
  if (!location) throw new Error(`authorize answered ${res.status}`);
  return Object.fromEntries(new URL(location).searchParams);
}

function post(source: MessageEventSource | null, response: Record<string, string>, origin = AUTH) {
  window.dispatchEvent(new MessageEvent('message', { origin, source, data: { type: 'authorization_response', response } }));
}

function fakePopup() {
  const popup = { closed: false, close: () => void (popup.closed = true), location: { href: '' } };
  return popup as unknown as Window & { location: { href: string } };
}

describe('loginWithPopup / getTokenWithPopup', () => {
  it('runs the code flow through the popup with web_message', async () => {
    const client = makeClient();
    const popup = fakePopup();
    const done = client.loginWithPopup({}, { popup });
    await vi.waitFor(() => expect(popup.location.href).toContain(`${AUTH}/authorize`));
    const response = await serverAnswer(popup.location.href);
    post(popup, { ...response }, 'https://evil.test'); // wrong origin: ignored
    post(popup, response);
    await done;
    expect(await client.getUser()).toMatchObject({ sub: 'user-1' });
    expect(popup.closed).toBe(true);
  });

  it('getTokenWithPopup keeps the session and returns a token for the asked audience', async () => {
    const client = makeClient();
    await login(h, client);
    const popup = fakePopup();
    const pending = client.getTokenWithPopup({ authorizationParams: { audience: OTHER_API } }, { popup });
    await vi.waitFor(() => expect(popup.location.href).toContain('/authorize'));
    expect(new URL(popup.location.href).searchParams.get('audience')).toBe(OTHER_API);
    post(popup, await serverAnswer(popup.location.href));
    const token = await pending;
    expect(await client.getTokenSilently({ authorizationParams: { audience: OTHER_API }, cacheMode: 'cache-only' })).toBe(token);
    expect(await client.isAuthenticated()).toBe(true);
  });

  it('throws PopupOpenError when the browser blocks the popup', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    const e = await rejectionOf(makeClient().loginWithPopup());
    expect(e).toBeInstanceOf(PopupOpenError);
    expect(e.error).toBe('popup_open');
    open.mockRestore();
  });
});

describe('silent iframe (useRefreshTokens: false, or the fallback)', () => {
  async function answerIframe(signedIn: boolean) {
    let iframe: HTMLIFrameElement | undefined;
    await vi.waitFor(() => {
      iframe = [...document.querySelectorAll('iframe')].at(-1);
      expect(iframe?.getAttribute('src')).toContain('/authorize');
    });
    const el = iframe as unknown as HTMLIFrameElement;
    const src = new URL(el.getAttribute('src') ?? '');
    expect(src.searchParams.get('prompt')).toBe('none');
    post(el.contentWindow, await serverAnswer(src.toString(), signedIn));
    return src;
  }

  it('gets tokens with prompt=none when refresh tokens are off', async () => {
    const client = makeClient({ useRefreshTokens: false });
    const pending = client.getTokenSilently();
    const src = await answerIframe(true);
    expect(src.searchParams.get('scope')).toBe('openid profile email');
    expect(src.searchParams.get('audience')).toBe(API);
    const token = await pending;
    expect(typeof token).toBe('string');
    expect(tokenRequests(h, 'authorization_code')).toHaveLength(1);
    expect(await client.isAuthenticated()).toBe(true);
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('login_required from the iframe is an AuthenticationError and leaves the cache empty', async () => {
    const client = makeClient({ useRefreshTokensFallback: true, cacheLocation: 'localstorage' });
    const pending = client.getTokenSilently();
    await answerIframe(false);
    const e = await rejectionOf(pending);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.error).toBe('login_required');
    expect(await client.isAuthenticated()).toBe(false);
  });
});

describe('cacheLocation', () => {
  it("'localstorage' persists the session for the next page load", async () => {
    const client = makeClient({ cacheLocation: 'localstorage' });
    await login(h, client);
    expect(Object.keys(localStorage).some((k) => k.startsWith('@@rotor@@::demo::rt::'))).toBe(true);
    const before = h.requests.length;
    const reloaded = await createAuthClient({ domain: AUTH, clientId: 'demo', cacheLocation: 'localstorage', authorizationParams: { audience: API } });
    expect(await reloaded.getUser()).toMatchObject({ sub: 'user-1' });
    expect(h.requests.length).toBe(before);
  });
});
