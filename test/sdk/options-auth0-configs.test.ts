// @vitest-environment happy-dom
// Issue 13 "an honest migration path": real auth0-spa-js 2.27 configurations (shapes from its README,
// EXAMPLES and option docs, type-checked against its own Auth0ClientOptions) run through createAuthClient
// unchanged, then sign in against the mock server, get a token and sign out.
import type { Auth0ClientOptions, ICache } from '@auth0/auth0-spa-js';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, createAuthClient, type AuthClientOptions } from '../../src/index.js';
import { API, APP, harness, login, rejectionOf, tokenRequests } from './helpers.js';

const h = harness();
beforeEach(() => {
  h.start();
  sessionStorage.clear();
  localStorage.clear();
});

const domain = 'auth.rotor.test'; // a bare host, as Auth0's docs write it (https assumed)
const clientId = 'demo';
const redirect_uri = `${APP}/callback`;

/** An auth0-spa-js ICache kept in a Map (its docs' custom-cache example). */
function mapCache(): ICache & { entries: Map<string, unknown> } {
  const entries = new Map<string, unknown>();
  return {
    entries,
    get: (key) => entries.get(key) as never,
    set: (key, value) => void entries.set(key, value),
    remove: (key) => void entries.delete(key),
    allKeys: () => [...entries.keys()],
  };
}

const configs: Record<string, Auth0ClientOptions> = {
  'README quick start': { domain, clientId, authorizationParams: { redirect_uri } },
  'refresh tokens in localStorage for an API': {
    domain,
    clientId,
    useRefreshTokens: true,
    cacheLocation: 'localstorage',
    authorizationParams: { redirect_uri, audience: API, scope: 'profile email read:messages' },
  },
  'custom domain with the tenant issuer': {
    domain,
    issuer: 'auth.rotor.test', // expected iss: https://auth.rotor.test/
    clientId,
    authorizationParams: { redirect_uri, audience: API },
  },
  'custom cache, timeouts and leeway': {
    domain,
    clientId,
    cache: mapCache(),
    useRefreshTokens: true,
    useRefreshTokensFallback: false,
    authorizeTimeoutInSeconds: 30,
    httpTimeoutInSeconds: 20,
    leeway: 120,
    authorizationParams: { redirect_uri, audience: API, max_age: 3600, ui_locales: 'fr-CA fr en' },
  },
  'cookie and transaction settings': {
    domain,
    clientId,
    useRefreshTokens: true,
    legacySameSiteCookie: false,
    useCookiesForTransactions: true,
    sessionCheckExpiryDays: 7,
    cookieDomain: '.rotor.test',
    authorizationParams: { redirect_uri },
  },
  'MRRT with scopes per audience, worker and JSON bodies': {
    domain,
    clientId,
    useRefreshTokens: true,
    useMrrt: true,
    useFormData: false,
    workerUrl: '/auth0-spa-js.worker.production.js',
    authorizationParams: { redirect_uri, audience: API, scope: { default: 'profile email', [API]: 'profile email read:messages' } },
  },
  'interactive errors, offline mode, native-to-web SSO, telemetry': {
    domain,
    clientId,
    useRefreshTokens: true,
    refreshTokenMode: 'offline',
    interactiveErrorHandler: 'popup',
    sessionTransferTokenQueryParamName: 'session_transfer_token',
    enterpriseConnect: false,
    anonymousSessionsCacheMode: 'memory',
    createAnonymousSessionOnFailedSilentAuth: false,
    auth0Client: { name: 'my-wrapper', version: '1.0.0', env: { framework: 'vanilla' } },
    authorizationParams: { redirect_uri, organization: 'org_123', screen_hint: 'login' },
  },
};

describe('auth0-spa-js 2.27 configurations run unchanged', () => {
  for (const [name, config] of Object.entries(configs)) {
    it(name, async () => {
      // No cast: an auth0-spa-js Auth0ClientOptions value is a rotor-auth AuthClientOptions.
      const options: AuthClientOptions = config;
      const client = await createAuthClient(options);
      expect(await client.isAuthenticated()).toBe(false);
      await login(h, client);
      expect(await client.isAuthenticated()).toBe(true);
      expect(await client.getUser()).toMatchObject({ sub: 'user-1' });
      const token = await client.getTokenSilently({ cacheMode: 'off' });
      expect(token).toEqual(expect.any(String));
      expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
      await client.logout({ openUrl: false });
      expect(await client.isAuthenticated()).toBe(false);
    });
  }

  it('a scope object per audience: the configured audience entry is the scope asked for', async () => {
    const config = configs['MRRT with scopes per audience, worker and JSON bodies'] as Auth0ClientOptions;
    const client = await createAuthClient(config);
    let opened = '';
    await client.loginWithRedirect({ openUrl: (u) => void (opened = u) });
    expect(new URL(opened).searchParams.get('scope')).toBe('openid profile email read:messages offline_access');
  });

  it('the documented exceptions fail loudly, naming why', async () => {
    const online: Auth0ClientOptions = { domain, clientId, useRefreshTokens: true, refreshTokenMode: 'online', authorizationParams: { redirect_uri } };
    const e = await rejectionOf(createAuthClient(online));
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e.message).toContain('refreshTokenMode');
  });
});
