// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthClient,
  AuthenticationError,
  ConfigurationError,
  createAuthClient,
  IdTokenValidationError,
  InMemoryCache,
  MissingRefreshTokenError,
  StateMismatchError,
} from '../../src/index.js';
import { API, APP, AUTH, authorize, harness, login, makeClient, rejectionOf, tokenRequests } from './helpers.js';

const h = harness();
beforeEach(() => {
  h.start();
  sessionStorage.clear();
});

describe('loginWithRedirect', () => {
  it('sends PKCE S256, state, nonce, offline_access and stores the transaction by state', async () => {
    const client = makeClient();
    const { authorizeUrl } = await authorize(h, client, { appState: { returnTo: '/profile' } });
    const q = authorizeUrl.searchParams;
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${AUTH}/authorize`);
    expect(q.get('client_id')).toBe('demo');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('scope')).toBe('openid profile email offline_access');
    expect(q.get('audience')).toBe(API);
    expect(q.get('redirect_uri')).toBe(`${APP}/callback`);
    const stored = JSON.parse(sessionStorage.getItem(`@@rotor@@::demo::tx::${q.get('state')}`) ?? 'null');
    expect(stored).toMatchObject({ state: q.get('state'), appState: { returnTo: '/profile' }, scope: 'openid profile email offline_access' });
    expect(stored.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('leaves offline_access out without refresh tokens and uses window.location.assign by default', async () => {
    const client = makeClient({ useRefreshTokens: false });
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    await client.loginWithRedirect();
    expect(assign).toHaveBeenCalledTimes(1);
    const url = new URL(String(assign.mock.calls[0]?.[0]));
    expect(url.searchParams.get('scope')).toBe('openid profile email');
    assign.mockRestore();
  });
});

describe('handleRedirectCallback', () => {
  it('exchanges the code, caches the tokens, returns appState and deletes the transaction', async () => {
    const client = makeClient();
    const { callbackUrl } = await authorize(h, client, { appState: { returnTo: '/x' } });
    const state = new URL(callbackUrl).searchParams.get('state');
    expect(await client.handleRedirectCallback(callbackUrl)).toEqual({ appState: { returnTo: '/x' } });
    expect(sessionStorage.getItem(`@@rotor@@::demo::tx::${state}`)).toBeNull();
    expect(await client.isAuthenticated()).toBe(true);
    expect(await client.getUser()).toMatchObject({ sub: 'user-1' });
    const claims = await client.getIdTokenClaims();
    expect(claims).toMatchObject({ sub: 'user-1', iss: `${AUTH}/`, aud: 'demo' });
    expect(claims?.__raw.split('.')).toHaveLength(3);
    expect((await client.getUser())?.iss).toBeUndefined();
    // cached: no further token request
    const token = await client.getTokenSilently();
    expect(typeof token).toBe('string');
    expect(tokenRequests(h)).toHaveLength(1);
    // the transaction is gone: the same callback cannot be replayed
    const replay = await rejectionOf(client.handleRedirectCallback(callbackUrl));
    expect(replay).toBeInstanceOf(StateMismatchError);
    expect(replay.error).toBe('state_mismatch');
  });

  it('keeps concurrent logins apart (transactions keyed by state)', async () => {
    const tab1 = makeClient();
    const tab2 = makeClient();
    const first = await authorize(h, tab1, { appState: 1 });
    const second = await authorize(h, tab2, { appState: 2 });
    expect(await tab2.handleRedirectCallback(second.callbackUrl)).toEqual({ appState: 2 });
    expect(await tab1.handleRedirectCallback(first.callbackUrl)).toEqual({ appState: 1 });
  });

  it('rejects an unknown state without any token request', async () => {
    const client = makeClient();
    await authorize(h, client);
    const e = await rejectionOf(client.handleRedirectCallback(`${APP}/callback?code=abc&state=forged&iss=${encodeURIComponent(`${AUTH}/`)}`));
    expect(e).toBeInstanceOf(StateMismatchError);
    expect(e.message).toBe('No login transaction for this state');
    expect(tokenRequests(h)).toHaveLength(0);
  });

  it('without a url and without window.location: ConfigurationError naming the fix', async () => {
    const client = makeClient();
    vi.stubGlobal('location', undefined);
    try {
      const e = await rejectionOf(client.handleRedirectCallback());
      expect(e).toBeInstanceOf(ConfigurationError);
      expect(e.message).toBe('No window.location: pass the callback url');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('turns an error response into AuthenticationError with appState', async () => {
    const client = makeClient();
    const { callbackUrl } = await authorize(h, client, { appState: { from: 'home' } });
    const state = new URL(callbackUrl).searchParams.get('state') ?? '';
    const url = `${APP}/callback?error=access_denied&error_description=User%20declined&state=${state}&iss=${encodeURIComponent(`${AUTH}/`)}`;
    const e = await rejectionOf(client.handleRedirectCallback(url));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e).toMatchObject({ error: 'access_denied', error_description: 'User declined', appState: { from: 'home' } });
    expect(await client.isAuthenticated()).toBe(false);
    expect(sessionStorage.getItem(`@@rotor@@::demo::tx::${state}`)).toBeNull();
  });

  it('checks iss (RFC 9207) before exchanging the code', async () => {
    const client = makeClient();
    const { callbackUrl } = await authorize(h, client);
    const u = new URL(callbackUrl);
    expect(u.searchParams.get('iss')).toBe(`${AUTH}/`);
    u.searchParams.set('iss', 'https://evil.test/');
    const e = await rejectionOf(client.handleRedirectCallback(u.toString()));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.error).toBe('invalid_issuer');
    expect(tokenRequests(h)).toHaveLength(0);
  });
});

describe('ID tokens through the client', () => {
  it('rejects a tampered ID token and caches nothing from that response', async () => {
    h.use(
      http.post(`${AUTH}/oauth/token`, async ({ request }) => {
        const res = await h.mock.fetch(request);
        const body = (await res.json()) as { id_token: string };
        const [hdr, payload, sig] = body.id_token.split('.');
        const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
        const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
        return HttpResponse.json({ ...body, id_token: `${hdr}.${forged}.${sig}` });
      }),
    );
    const cache = new InMemoryCache();
    const client = makeClient({ cache });
    const e = await rejectionOf(login(h, client));
    expect(e).toBeInstanceOf(IdTokenValidationError);
    expect(e.error).toBe('invalid_id_token');
    expect(e.message).toContain('ID token signature verification failed');
    expect(cache.allKeys()).toEqual([]);
    expect(await client.isAuthenticated()).toBe(false);
  });

  it('accepts tokens signed with a rotated key after one JWKS refetch', async () => {
    const client = makeClient();
    await login(h, client);
    const jwks = () => h.requests.filter((r) => r === 'GET /.well-known/jwks.json').length;
    expect(jwks()).toBe(1);
    await h.mock.control.rotateKeys();
    await login(h, client);
    expect(jwks()).toBe(2);
    expect(await client.isAuthenticated()).toBe(true);
  });
});

describe('discovery (issuer option)', () => {
  it('fetches the discovery document once and logs in with it', async () => {
    const client = new AuthClient({ issuer: `${AUTH}/`, clientId: 'demo', authorizationParams: { redirect_uri: `${APP}/cb` } });
    await login(h, client);
    await login(h, client);
    expect(h.requests.filter((r) => r === 'GET /.well-known/openid-configuration')).toHaveLength(1);
    expect(await client.getUser()).toMatchObject({ sub: 'user-1' });
  });

  it('rejects a discovery document whose issuer differs', async () => {
    const client = new AuthClient({ issuer: AUTH, clientId: 'demo', authorizationParams: { redirect_uri: `${APP}/cb` } });
    const e = await rejectionOf(client.loginWithRedirect({ openUrl: () => undefined }));
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toContain('Discovery "issuer" must be');
  });

  it('requires iss on the callback because the server advertises it', async () => {
    const client = new AuthClient({ issuer: `${AUTH}/`, clientId: 'demo', authorizationParams: { redirect_uri: `${APP}/cb` } });
    const { callbackUrl } = await authorize(h, client);
    const u = new URL(callbackUrl);
    u.searchParams.delete('iss');
    const e = await rejectionOf(client.handleRedirectCallback(u.toString()));
    expect(e).toMatchObject({ error: 'invalid_issuer' });
  });

  it('logs out through end_session_endpoint with id_token_hint', async () => {
    const client = new AuthClient({ issuer: `${AUTH}/`, clientId: 'demo', authorizationParams: { redirect_uri: `${APP}/cb` } });
    await login(h, client);
    const idToken = (await client.getIdTokenClaims())?.__raw;
    let opened = '';
    await client.logout({ logoutParams: { returnTo: `${APP}/bye` }, openUrl: (u) => void (opened = u) });
    const u = new URL(opened);
    const meta = (await (await h.mock.fetch(new Request(`${AUTH}/.well-known/openid-configuration`))).json()) as { end_session_endpoint: string };
    expect(u.origin + u.pathname).toBe(meta.end_session_endpoint);
    expect(u.searchParams.get('id_token_hint')).toBe(idToken);
    expect(u.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/bye`);
  });
});

describe('getTokenSilently cache modes', () => {
  it('a bad timeoutInSeconds is a ConfigurationError before anything is sent (refresh and iframe paths)', async () => {
    const client = makeClient();
    await login(h, client);
    for (const [bad, fallback] of [[0, false], [-1, false], [Number.NaN, false], [Number.POSITIVE_INFINITY, true]] as const) {
      const c = fallback ? makeClient({ useRefreshTokens: false }) : client;
      const e = await rejectionOf(c.getTokenSilently({ cacheMode: 'off', timeoutInSeconds: bad }));
      expect(e).toBeInstanceOf(ConfigurationError);
      expect((e as ConfigurationError).message).toBe(`Option "timeoutInSeconds" must be seconds > 0, got ${JSON.stringify(bad)}`);
    }
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);
  });

  it('serves on / cache-only from the cache, off always fetches, detailedResponse', async () => {
    const client = makeClient();
    await login(h, client);
    const cached = await client.getTokenSilently();
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBe(cached);
    expect(await client.getTokenSilently({ cacheMode: 'cache-only', authorizationParams: { audience: 'https://other-api.rotor.test' } })).toBeUndefined();
    const fresh = await client.getTokenSilently({ cacheMode: 'off' });
    expect(fresh).not.toBe(cached);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
    const detailed = await client.getTokenSilently({ detailedResponse: true });
    expect(detailed.access_token).toBe(fresh);
    expect(detailed.token_type.toLowerCase()).toBe('bearer');
    expect(detailed.expires_in).toBeGreaterThan(3500);
    expect(detailed.id_token).toBe((await client.getIdTokenClaims())?.__raw);
    expect(detailed.scope).toContain('openid');
  });

  it('keeps entries per (audience, scope)', async () => {
    const client = makeClient();
    await login(h, client);
    const api = await client.getTokenSilently();
    const other = await client.getTokenSilently({ authorizationParams: { audience: 'https://other-api.rotor.test' } });
    expect(other).not.toBe(api);
    expect(await client.getTokenSilently()).toBe(api);
    expect(await client.getTokenSilently({ authorizationParams: { audience: 'https://other-api.rotor.test' } })).toBe(other);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
  });

  it('rejects with missing_refresh_token when signed out', async () => {
    const e = await rejectionOf(makeClient().getTokenSilently());
    expect(e).toBeInstanceOf(MissingRefreshTokenError);
    expect(e.error).toBe('missing_refresh_token');
  });
});

describe('checkSession / createAuthClient', () => {
  it('answers from the cache without any network', async () => {
    const cache = new InMemoryCache();
    await login(h, makeClient({ cache }));
    const before = h.requests.length;
    const client = await createAuthClient({ domain: AUTH, clientId: 'demo', cache, authorizationParams: { redirect_uri: `${APP}/cb`, audience: API } });
    expect(await client.isAuthenticated()).toBe(true);
    expect(h.requests.length).toBe(before);
  });

  it('makes no request at all when nobody is signed in', async () => {
    const client = await createAuthClient({ domain: AUTH, clientId: 'demo' });
    expect(await client.isAuthenticated()).toBe(false);
    expect(h.requests).toEqual([]);
  });
});

describe('logout', () => {
  it('revokes the refresh token, clears the cache, then redirects to /v2/logout', async () => {
    const cache = new InMemoryCache();
    const client = makeClient({ cache });
    await login(h, client);
    const family = h.mock.control.families()[0];
    expect(family?.status).toBe('active');
    let opened = '';
    await client.logout({ logoutParams: { returnTo: `${APP}/bye` }, openUrl: (u) => void (opened = u) });
    expect(h.mock.control.family(family?.id ?? '')?.status).toBe('revoked');
    expect(h.requests).toContain('POST /oauth/revoke');
    expect(cache.allKeys()).toEqual([]);
    expect(await client.isAuthenticated()).toBe(false);
    const u = new URL(opened);
    expect(u.origin + u.pathname).toBe(`${AUTH}/v2/logout`);
    expect(u.searchParams.get('client_id')).toBe('demo');
    expect(u.searchParams.get('returnTo')).toBe(`${APP}/bye`);
  });

  it('skips the redirect with openUrl: false', async () => {
    const client = makeClient();
    await login(h, client);
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    await client.logout({ openUrl: false });
    expect(assign).not.toHaveBeenCalled();
    expect(await client.isAuthenticated()).toBe(false);
    assign.mockRestore();
  });
});
