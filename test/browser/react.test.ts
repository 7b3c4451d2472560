import { act, createElement, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthProvider, useAccessToken, useAuth, withAuthenticationRequired } from '../../src/react/index.js';
import { createTestClient, type TestClient } from '../../src/testing/index.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
const ada = { sub: 'user-1', name: 'Ada' };

let root: Root;
let host: HTMLElement;
beforeEach(() => {
  host = document.body.appendChild(document.createElement('div'));
  root = createRoot(host);
});
afterEach(async () => {
  await act(async () => root.unmount());
  host.remove();
  history.replaceState(null, '', '/');
});

const flush = () => act(async () => new Promise((resolve) => setTimeout(resolve, 20)));

async function render(client: TestClient, children: ReactNode, extra: Record<string, unknown> = {}) {
  await act(async () => root.render(createElement(StrictMode, null, createElement(AuthProvider, { client, ...extra }, children))));
  await flush();
}

let renders = 0;
function Who({ id }: { id: string }) {
  renders++;
  const { isLoading, isAuthenticated, user } = useAuth();
  return createElement('p', { id }, isLoading ? 'loading' : isAuthenticated ? `hello ${String(user?.name)}` : 'signed out');
}
const text = (id: string) => host.querySelector(`#${id}`)?.textContent;

describe('rotor-auth/react in a real browser', () => {
  it('every subscriber shows the session, and follows a sign-out from another tab (no polling)', async () => {
    const client = createTestClient({ user: ada });
    await render(client, [createElement(Who, { id: 'a', key: 'a' }), createElement(Who, { id: 'b', key: 'b' })]);
    expect([text('a'), text('b')]).toEqual(['hello Ada', 'hello Ada']);
    const before = renders;
    await flush();
    expect(renders).toBe(before); // nothing re-renders while nothing changes
    await act(async () => client.signOut('other_tab'));
    await flush();
    expect([text('a'), text('b')]).toEqual(['signed out', 'signed out']);
  });

  it('an invalid_grant on a refresh re-renders every subscriber as signed out', async () => {
    const client = createTestClient({ user: ada });
    await render(client, createElement(Who, { id: 'a' }));
    client.failNextRefresh('invalid_grant');
    await act(async () => client.getTokenSilently({ cacheMode: 'off' }).catch(() => undefined));
    await flush();
    expect(text('a')).toBe('signed out');
  });

  it('handles the redirect callback once under StrictMode, calls onRedirectCallback with appState, cleans the URL', async () => {
    const client = createTestClient({ user: ada });
    await client.logout();
    let handled = 0;
    const realHandle = client.handleRedirectCallback.bind(client);
    client.handleRedirectCallback = async <T,>() => {
      handled++;
      await realHandle();
      return { appState: { returnTo: '/orders' } as T };
    };
    history.replaceState(null, '', '/callback?code=abc&state=xyz&iss=https%3A%2F%2Fid.example&keep=1');
    const seen: unknown[] = [];
    await render(client, createElement(Who, { id: 'a' }), { onRedirectCallback: (appState: unknown) => seen.push(appState) });
    expect(handled).toBe(1);
    expect(seen).toEqual([{ returnTo: '/orders' }]);
    expect(location.pathname + location.search).toBe('/callback?keep=1');
    expect(text('a')).toBe('hello Ada');
  });

  it('a failed callback is the provider error, signed out, and the URL is cleaned all the same', async () => {
    const client = createTestClient();
    history.replaceState(null, '', '/callback?error=access_denied&state=xyz');
    function Err() {
      const { error, isLoading, isAuthenticated } = useAuth();
      return createElement('p', { id: 'e' }, isLoading ? 'loading' : `${String(isAuthenticated)} ${error?.message ?? ''}`);
    }
    await render(client, createElement(Err));
    expect(text('e')).toMatch(/^false .*no user to sign in/);
    expect(location.search).toBe('');
  });

  it('withAuthenticationRequired sends a signed-out user to the login once, with returnTo, and renders for a signed-in one', async () => {
    const client = createTestClient();
    const Secret = withAuthenticationRequired(() => createElement('p', { id: 's' }, 'secret'), {
      returnTo: '/secret',
      onRedirecting: () => createElement('p', { id: 's' }, 'redirecting'),
    });
    await render(client, createElement(Secret));
    expect(text('s')).toBe('redirecting');
    const logins = client.calls.filter((c) => c.method === 'loginWithRedirect');
    expect(logins).toHaveLength(1);
    expect(logins[0]!.args[0]).toMatchObject({ appState: { returnTo: '/secret' } });
    await act(async () => client.signIn(ada));
    await flush();
    expect(text('s')).toBe('secret');
  });

  it('withAuthenticationRequired shows onError when the login is refused (e.g. a redirect loop stopped)', async () => {
    const client = createTestClient();
    client.loginWithRedirect = async () => {
      throw new Error('login loop');
    };
    const Secret = withAuthenticationRequired(() => createElement('p', null, 'secret'), {
      onError: (e) => createElement('p', { id: 's' }, `cannot sign in: ${e.message}`),
    });
    await render(client, createElement(Secret));
    expect(text('s')).toBe('cannot sign in: login loop');
  });

  it('useAccessToken: 100 components mounting at once after expiry make one refresh', async () => {
    const client = createTestClient({ user: ada, accessToken: 'at' });
    await render(client, createElement('div'));
    client.expireAccessToken();
    client.failNextRefresh({ slowMs: 30 }); // all 100 ask while the refresh is in flight
    function Token({ i }: { i: number }) {
      const { token } = useAccessToken();
      return createElement('span', { className: 't' }, token ?? '-');
    }
    await act(async () =>
      root.render(createElement(AuthProvider, { client }, Array.from({ length: 100 }, (_, i) => createElement(Token, { i, key: i })))),
    );
    await flush();
    await flush();
    const tokens = [...host.querySelectorAll('.t')].map((n) => n.textContent);
    expect(new Set(tokens)).toEqual(new Set(['at.1']));
    expect(client.refreshCount).toBe(1);
  });
});
