// Issue 24: the redirect-login loop breaker, the address-bar clean-up and replayed callback URLs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallbackReplayedError, InMemoryCache, LoginLoopError, StateMismatchError } from '../../src/index.js';
import { withoutCallbackParams } from '../../src/flows/callback.js';
import { advance, APP, authorize, harness, makeClient, rejectionOf, useFakeDate } from './helpers.js';

/** A sessionStorage for Node (the SDK keeps login counts and transactions there). */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

const h = harness();
useFakeDate();
beforeEach(() => {
  h.start();
  vi.stubGlobal('sessionStorage', memoryStorage());
});
afterEach(() => vi.unstubAllGlobals());

describe('loop breaker', () => {
  it('3 redirect logins within 60 s go ahead; the 4th rejects with LoginLoopError (login_loop) and does not navigate', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const opened: string[] = [];
    const openUrl = (u: string) => void opened.push(u);
    for (let i = 0; i < 3; i++) {
      await client.loginWithRedirect({ openUrl });
      advance(10);
    }
    expect(opened).toHaveLength(3);
    const e = await rejectionOf(client.loginWithRedirect({ openUrl }));
    expect(e).toBeInstanceOf(LoginLoopError);
    expect(e).toMatchObject({ error: 'login_loop', count: 4 });
    expect(opened).toHaveLength(3);
    // the window drains: a minute after the first, logins go ahead again
    advance(31);
    await client.loginWithRedirect({ openUrl });
    expect(opened).toHaveLength(4);
    client.close();
  });

  it('counts across page loads (a new client in the same tab) and is configurable; loginLoopLimit 0 turns it off', async () => {
    const openUrl = () => undefined;
    const a = makeClient({ loginLoopLimit: 1, loginLoopWindowInSeconds: 5 });
    await a.loginWithRedirect({ openUrl });
    const b = makeClient({ loginLoopLimit: 1, loginLoopWindowInSeconds: 5 });
    expect(await rejectionOf(b.loginWithRedirect({ openUrl }))).toBeInstanceOf(LoginLoopError);
    advance(5);
    await b.loginWithRedirect({ openUrl });
    const off = makeClient({ loginLoopLimit: 0 });
    for (let i = 0; i < 10; i++) await off.loginWithRedirect({ openUrl });
    [a, b, off].forEach((c) => c.close());
  });
});

describe('callback URL', () => {
  it('withoutCallbackParams drops code, state, iss, error, error_description, error_uri (query and fragment), keeps the rest', () => {
    expect(withoutCallbackParams(`${APP}/cb?code=c&state=s&iss=i&tab=2#/route`)).toBe(`${APP}/cb?tab=2#/route`);
    expect(withoutCallbackParams(`${APP}/cb?error=access_denied&error_description=no&error_uri=u&state=s`)).toBe(`${APP}/cb`);
    expect(withoutCallbackParams(`${APP}/cb#code=c&state=s&session_state=x`)).toBe(`${APP}/cb`);
  });

  function stubPage(href: string) {
    const replaceState = vi.fn();
    vi.stubGlobal('location', { href });
    vi.stubGlobal('history', { state: { app: 1 }, replaceState });
    return replaceState;
  }

  it('handleRedirectCallback() removes the response from the address bar (history.replaceState); a replay is CallbackReplayedError', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const { callbackUrl } = await authorize(h, client);
    const replaceState = stubPage(`${callbackUrl}&keep=1`);
    await client.handleRedirectCallback();
    expect(replaceState).toHaveBeenCalledWith({ app: 1 }, '', `${APP}/callback?keep=1`);
    const e = await rejectionOf(client.handleRedirectCallback(callbackUrl));
    expect(e).toBeInstanceOf(CallbackReplayedError);
    expect(e).toBeInstanceOf(StateMismatchError); // code state_mismatch, as before
    expect(e.error).toBe('state_mismatch');
    // an unknown state stays a plain StateMismatchError
    const other = await rejectionOf(client.handleRedirectCallback(`${APP}/callback?code=x&state=never`));
    expect(other).not.toBeInstanceOf(CallbackReplayedError);
    client.close();
  });

  it('cleanCallbackUrl: false leaves the address bar alone; an explicit url never touches it', async () => {
    const client = makeClient({ cache: new InMemoryCache(), cleanCallbackUrl: false });
    const { callbackUrl } = await authorize(h, client);
    const replaceState = stubPage(callbackUrl);
    await client.handleRedirectCallback();
    const second = makeClient({ cache: new InMemoryCache() });
    await second.handleRedirectCallback((await authorize(h, second)).callbackUrl);
    expect(replaceState).not.toHaveBeenCalled();
    [client, second].forEach((c) => c.close());
  });
});
