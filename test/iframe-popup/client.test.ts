// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"enableIframePageLoading":true}}
/**
 * The iframe fallback and the popup through AuthClient (client.ts wires
 * popup.ts / silent-iframe.ts). msw routes the authorization server's origin
 * to the mock server's fetch handler. The browser's part is played by the
 * test: it fetches the web_message page the iframe/popup would show from the
 * mock server and posts the message that page's script would post (happy-dom
 * runs no page scripts and drops Set-Cookie, so a signed-in browser is
 * simulated by asking without prompt=none, which autoLogin then answers).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, MissingRefreshTokenError, PopupCancelledError, PopupTimeoutError } from '../../src/errors.js';
import { NO_REFRESH_TOKEN_HINT } from '../../src/flows/authorize.js';
import { API, APP, AUTH, harness, login, makeClient, rejectionOf, tokenRequests } from '../sdk/helpers.js';

const NO_OFFLINE = 'https://no-offline.rotor.test';
const h = harness();

/** Counts iframes ever added to the document. */
let iframesAdded = 0;
let observer: MutationObserver;
beforeEach(() => {
  h.start();
  sessionStorage.clear();
  localStorage.clear();
  iframesAdded = 0;
  observer = new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if ((n as Element).tagName === 'IFRAME') iframesAdded++;
  });
  observer.observe(document.body, { childList: true, subtree: true });
});
afterEach(() => {
  observer.disconnect();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The message the server's web_message page for `authorizeUrl` posts, and the origin it posts to. */
async function webMessageFor(authorizeUrl: string, signedIn: boolean): Promise<{ data: unknown; targetOrigin: string }> {
  const u = new URL(authorizeUrl);
  expect(u.searchParams.get('response_mode')).toBe('web_message');
  if (signedIn) u.searchParams.delete('prompt');
  const res = await h.mock.fetch(new Request(u));
  expect(res.status).toBe(200);
  const page = await res.text();
  const m = /postMessage\((\{.*\}),\s*("[^"]*")\)/.exec(page);
  if (!m?.[1] || !m[2]) throw new Error(`no postMessage in the web_message page: ${page}`);
  return { data: JSON.parse(m[1]) as unknown, targetOrigin: JSON.parse(m[2]) as string };
}

/** Deliver what the page would post, as the browser would (origin = the server's). */
async function answer(source: MessageEventSource | null, authorizeUrl: string, signedIn: boolean): Promise<void> {
  const { data, targetOrigin } = await webMessageFor(authorizeUrl, signedIn);
  expect(targetOrigin).toBe(APP); // the page posts to the redirect URI's origin only
  window.dispatchEvent(new MessageEvent('message', { origin: AUTH, source, data }));
}

async function waitForIframe(): Promise<HTMLIFrameElement> {
  let iframe: HTMLIFrameElement | undefined;
  await vi.waitFor(() => {
    iframe = document.querySelector('iframe') ?? undefined;
    expect(iframe?.getAttribute('src')).toContain(`${AUTH}/authorize`);
  });
  const el = iframe as HTMLIFrameElement;
  const src = new URL(el.getAttribute('src') ?? '');
  expect(src.searchParams.get('prompt')).toBe('none');
  expect(src.searchParams.get('response_mode')).toBe('web_message');
  return el;
}

async function answerIframe(signedIn: boolean): Promise<URL> {
  const iframe = await waitForIframe();
  const src = iframe.getAttribute('src') ?? '';
  await answer(iframe.contentWindow, src, signedIn);
  return new URL(src);
}

const rotorKeys = () => Object.keys(localStorage).filter((k) => k.startsWith('@@rotor@@'));

describe('useRefreshTokensFallback', () => {
  it('no refresh token (API without offline access): the iframe gets the token', async () => {
    const client = makeClient({
      useRefreshTokensFallback: true,
      authorizationParams: { redirect_uri: `${APP}/callback`, audience: NO_OFFLINE },
    });
    await login(h, client);
    expect(h.mock.control.families()).toHaveLength(0);
    const pending = client.getTokenSilently({ cacheMode: 'off' });
    const src = await answerIframe(true);
    expect(src.searchParams.get('audience')).toBe(NO_OFFLINE);
    const token = await pending;
    expect(typeof token).toBe('string');
    expect(tokenRequests(h, 'authorization_code')).toHaveLength(2); // login + iframe
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBe(token);
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('without the fallback, no refresh token is MissingRefreshTokenError and no iframe is made', async () => {
    const client = makeClient({ authorizationParams: { redirect_uri: `${APP}/callback`, audience: NO_OFFLINE } });
    await login(h, client);
    const e = await rejectionOf(client.getTokenSilently({ cacheMode: 'off' }));
    expect(e).toBeInstanceOf(MissingRefreshTokenError);
    expect(e.error).toBe('missing_refresh_token');
    expect(e.message).toBe(`Missing Refresh Token (audience: '${NO_OFFLINE}', scope: 'openid profile email offline_access'): ${NO_REFRESH_TOKEN_HINT}`);
    expect(iframesAdded).toBe(0);
  });

  it('a rejected refresh token (family revoked) falls back to the iframe, which signs the user in again', async () => {
    const client = makeClient({ useRefreshTokensFallback: true, cacheLocation: 'localstorage' });
    await login(h, client);
    const [family] = h.mock.control.families();
    // someone else rotates the family: the client's refresh token is now a reused one
    expect((await h.mock.control.replay(family!.id, 'current')).status).toBe(200);
    const pending = client.getTokenSilently({ cacheMode: 'off' });
    await answerIframe(true);
    expect(typeof (await pending)).toBe('string');
    expect(h.mock.control.events({ type: 'refresh_token.reuse_detected' })).toHaveLength(1);
    expect(await client.isAuthenticated()).toBe(true);
    expect(iframesAdded).toBe(1);
  });

  it('login_required on the iframe path names third-party cookies and useRefreshTokens (issue 26); the code stays', async () => {
    const client = makeClient({ useRefreshTokens: false });
    await login(h, client);
    const pending = client.getTokenSilently({ cacheMode: 'off' });
    await answerIframe(false);
    const e = await rejectionOf(pending);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.error).toBe('login_required');
    expect(e.error_description).toMatch(/third-party cookies/);
    expect(e.error_description).toMatch(/useRefreshTokens/);
  });

  it('login_required after a rejected refresh token: AuthenticationError and nothing left in the cache', async () => {
    const client = makeClient({ useRefreshTokensFallback: true, cacheLocation: 'localstorage' });
    await login(h, client);
    expect(rotorKeys().length).toBeGreaterThan(0);
    const [family] = h.mock.control.families();
    await h.mock.control.replay(family!.id, 'current');
    const pending = client.getTokenSilently({ cacheMode: 'off' });
    await answerIframe(false);
    const e = await rejectionOf(pending);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.error).toBe('login_required');
    expect(e.error_description).toMatch(/^Login required/);
    expect(await client.isAuthenticated()).toBe(false);
    expect(await client.getUser()).toBeUndefined();
    expect(rotorKeys()).toEqual([]);
    expect(document.querySelector('iframe')).toBeNull();
  });
});

describe('silent iframe, one at a time per client', () => {
  it('concurrent calls share one iframe; the waiter re-reads the cache', async () => {
    const client = makeClient({ useRefreshTokens: false });
    const first = client.getTokenSilently({ cacheMode: 'off' });
    const second = client.getTokenSilently({ cacheMode: 'off' });
    await answerIframe(true);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(iframesAdded).toBe(1);
    expect(tokenRequests(h, 'authorization_code')).toHaveLength(1);
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('an answer from another origin or for another state is ignored; the right one completes', async () => {
    const client = makeClient({ useRefreshTokens: false });
    const pending = client.getTokenSilently();
    const iframe = await waitForIframe();
    const src = iframe.getAttribute('src') ?? '';
    const { data } = await webMessageFor(src, true);
    window.dispatchEvent(new MessageEvent('message', { origin: 'https://evil.rotor.test', source: iframe.contentWindow, data }));
    const forged = { type: 'authorization_response', response: { code: 'forged', state: 'other-state', iss: `${AUTH}/` } };
    window.dispatchEvent(new MessageEvent('message', { origin: AUTH, source: iframe.contentWindow, data: forged }));
    window.dispatchEvent(new MessageEvent('message', { origin: AUTH, source: iframe.contentWindow, data }));
    expect(typeof (await pending)).toBe('string');
    expect(tokenRequests(h, 'authorization_code')).toHaveLength(1);
  });

  it('no answer: TimeoutError after authorizeTimeoutInSeconds, iframe removed, nothing cached', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = makeClient({ useRefreshTokens: false, authorizeTimeoutInSeconds: 5 });
    const pending = rejectionOf(client.getTokenSilently());
    await waitForIframe();
    await vi.advanceTimersByTimeAsync(5_000);
    const e = await pending;
    expect(e.error).toBe('timeout');
    expect(e.message).toBe('Silent auth timed out after 5 s');
    expect(document.querySelector('iframe')).toBeNull();
    expect(await client.isAuthenticated()).toBe(false);
  });
});

describe('popup through the client', () => {
  function fakePopup() {
    const popup = { closed: false, close: () => void (popup.closed = true), location: { href: '' } };
    return popup as unknown as Window & { closed: boolean; location: { href: string } };
  }

  it('the user closes the popup: PopupCancelledError, not signed in', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const client = makeClient();
    const popup = fakePopup();
    const pending = rejectionOf(client.loginWithPopup({}, { popup }));
    await vi.waitFor(() => expect(popup.location.href).toContain(`${AUTH}/authorize`));
    popup.closed = true;
    await vi.advanceTimersByTimeAsync(1_000);
    const e = await pending;
    expect(e).toBeInstanceOf(PopupCancelledError);
    expect(e.error).toBe('cancelled');
    expect(await client.isAuthenticated()).toBe(false);
    expect(tokenRequests(h)).toHaveLength(0);
  });

  it('no answer: PopupTimeoutError after config.timeoutInSeconds, popup closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = makeClient();
    const popup = fakePopup();
    const pending = rejectionOf(client.getTokenWithPopup({}, { popup, timeoutInSeconds: 30 }));
    await vi.waitFor(() => expect(popup.location.href).toContain(`${AUTH}/authorize`));
    await vi.advanceTimersByTimeAsync(30_000);
    const e = await pending;
    expect(e).toBeInstanceOf(PopupTimeoutError);
    expect(e.error).toBe('timeout');
    expect(popup.closed).toBe(true);
  });

  it('an error answer (access_denied) is an AuthenticationError with its fields', async () => {
    const client = makeClient();
    const popup = fakePopup();
    const pending = rejectionOf(client.loginWithPopup({}, { popup }));
    await vi.waitFor(() => expect(popup.location.href).toContain(`${AUTH}/authorize`));
    // an audience the server does not know: it answers access_denied through the web_message page
    const u = new URL(popup.location.href);
    u.searchParams.set('audience', 'https://nowhere.rotor.test');
    const { data } = await webMessageFor(u.toString(), true);
    expect(data).toMatchObject({ response: { error: 'access_denied' } });
    window.dispatchEvent(new MessageEvent('message', { origin: AUTH, source: popup, data }));
    const e = await pending;
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.error).toBe('access_denied');
    expect(popup.closed).toBe(true);
    expect(await client.isAuthenticated()).toBe(false);
  });

  it('loginWithPopup signs in with the audience of the options', async () => {
    const client = makeClient();
    const popup = fakePopup();
    const done = client.loginWithPopup({}, { popup });
    await vi.waitFor(() => expect(popup.location.href).toContain(`${AUTH}/authorize`));
    expect(new URL(popup.location.href).searchParams.get('audience')).toBe(API);
    await answer(popup, popup.location.href, true);
    await done;
    expect(await client.getUser()).toMatchObject({ sub: 'user-1' });
    expect(popup.closed).toBe(true);
  });
});
