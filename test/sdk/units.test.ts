// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { checkAuthorizationResponse, parseCallbackUrl } from '../../src/flows/callback.js';
import { discoveryUrl, endpointsFromDomain, processDiscovery } from '../../src/protocol/endpoints.js';
import { AuthenticationError, ConfigurationError, InvalidResponseError, StateMismatchError } from '../../src/errors.js';
import { effectiveScope, resolveOptions, type AuthClientOptions } from '../../src/client/options.js';
import { createCodeVerifier, s256Challenge } from '../../src/protocol/pkce.js';
import { processTokenResponse } from '../../src/protocol/token-endpoint.js';
import { TRANSACTION_MAX_AGE_MS, transactionStore, type Transaction } from '../../src/flows/transaction.js';
import { buildLogoutUrl } from '../../src/flows/logout.js';
import { InMemoryCache } from '../../src/cache/memory.js';
import { tokenStore, type AccessEntry, type SessionEntry } from '../../src/cache/token-store.js';
import type { Cache } from '../../src/cache/cache.js';

function configError(options: unknown): ConfigurationError {
  try {
    resolveOptions(options as AuthClientOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return e as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('resolveOptions', () => {
  it('applies the contract defaults', () => {
    const o = resolveOptions({ domain: 'auth.rotor.test', clientId: 'demo' });
    expect(o).toMatchObject({
      cacheLocation: 'memory',
      useRefreshTokens: true,
      useRefreshTokensFallback: false,
      authorizeTimeoutInSeconds: 60,
      httpTimeoutInSeconds: 10,
      leeway: 60,
      scope: 'openid profile email offline_access',
    });
  });

  it('adds openid always and offline_access only with refresh tokens', () => {
    expect(effectiveScope('read:x', true)).toBe('openid read:x offline_access');
    expect(effectiveScope('openid read:x openid', false)).toBe('openid read:x');
    const o = resolveOptions({ domain: 'a.test', clientId: 'c', useRefreshTokens: false, authorizationParams: { scope: 'email' } });
    expect(o.scope).toBe('openid email');
  });

  it('names the fix for a top-level authorization parameter (auth0-spa-js v1), and an unknown option by its name', () => {
    const e = configError({ domain: 'a.test', client_id: 'demo' });
    expect(e.error).toBe('invalid_configuration');
    expect(e.message).toBe('Unknown option "client_id": did you mean "clientId"?'); // issue 26: the slip names its fix
    expect(configError({ domain: 'a.test', clientId: 'c', redirect_uri: 'x' }).message).toBe(
      'Unknown option "redirect_uri": use authorizationParams.redirect_uri',
    );
    expect(configError({ domain: 'a.test', clientId: 'c', audience: 'x' }).message).toContain('use authorizationParams.audience');
    for (const name of ['max_age', 'prompt', 'connection', 'organization', 'scope']) {
      expect(configError({ domain: 'a.test', clientId: 'c', [name]: 'x' }).message).toBe(`Unknown option "${name}": use authorizationParams.${name}`);
    }
  });

  it('rejects unknown options, bad values and missing fields', () => {
    expect(configError({ domain: 'a.test', clientId: 'c', colour: 'red' }).message).toBe('Unknown option "colour"');
    expect(configError({ domain: 'a.test' }).message).toBe('Option "clientId" must be a non-empty string, got undefined');
    expect(configError({ clientId: 'c' }).message).toContain('"domain" or "issuer" is required');
    expect(configError({ domain: 'a.test', clientId: 'c', cacheLocation: 'cookie' }).message).toContain('cacheLocation');
    expect(configError({ domain: 'a.test', clientId: 'c', leeway: -1 }).message).toContain('"leeway"');
    expect(configError({ domain: 'a.test', clientId: 'c', useRefreshTokens: 'yes' }).message).toContain('boolean');
    expect(configError({ domain: 'https://a b', clientId: 'c' }).message).toContain('domain');
    expect(configError({ domain: 'a.test/path?x', clientId: 'c' }).message).toContain('host[:port]');
    expect(configError({ domain: 'a.test', clientId: 'c', cache: { get() {} } }).message).toBe('Option "cache" must have get, set and remove');
    expect(configError({ domain: 'a.test', clientId: 'c', authorizationParams: { state: 'x' } }).message).toContain(
      'authorizationParams.state is set by the SDK',
    );
  });

  it('accepts auth0-spa-js options that have no effect here', () => {
    expect(() => resolveOptions({ domain: 'a.test', clientId: 'c', useFormData: true, sessionCheckExpiryDays: 1 })).not.toThrow();
  });
});

describe('endpoints', () => {
  it('derives Auth0 paths from host[:port] (https) or a full origin', () => {
    expect(endpointsFromDomain('auth.rotor.test')).toMatchObject({
      issuer: 'https://auth.rotor.test/',
      authorization: 'https://auth.rotor.test/authorize',
      token: 'https://auth.rotor.test/oauth/token',
      revocation: 'https://auth.rotor.test/oauth/revoke',
      jwksUri: 'https://auth.rotor.test/.well-known/jwks.json',
      logout: { url: 'https://auth.rotor.test/v2/logout', style: 'auth0' },
    });
    expect(endpointsFromDomain('127.0.0.1:4000').issuer).toBe('https://127.0.0.1:4000/');
    expect(endpointsFromDomain('http://127.0.0.1:4000/').token).toBe('http://127.0.0.1:4000/oauth/token');
  });

  const meta = {
    issuer: 'https://op.test/',
    authorization_endpoint: 'https://op.test/auth',
    token_endpoint: 'https://op.test/token',
    jwks_uri: 'https://op.test/jwks',
    end_session_endpoint: 'https://op.test/logout',
    authorization_response_iss_parameter_supported: true,
    code_challenge_methods_supported: ['S256'],
  };

  it('maps a discovery document', () => {
    expect(discoveryUrl('https://op.test/')).toBe('https://op.test/.well-known/openid-configuration');
    expect(processDiscovery('https://op.test/', meta)).toEqual({
      issuer: 'https://op.test/',
      authorization: 'https://op.test/auth',
      token: 'https://op.test/token',
      revocation: undefined,
      jwksUri: 'https://op.test/jwks',
      logout: { url: 'https://op.test/logout', style: 'oidc' },
      issParameterRequired: true,
    });
  });

  it('requires the discovery issuer to match exactly', () => {
    expect(() => processDiscovery('https://op.test', meta)).toThrow(
      'Discovery "issuer" must be "https://op.test" (option "issuer"), got "https://op.test/"',
    );
  });

  it('rejects discovery without required endpoints or without S256', () => {
    const { token_endpoint: _omit, ...noToken } = meta;
    expect(() => processDiscovery('https://op.test/', noToken)).toThrow(InvalidResponseError);
    // an http(s) URL that does not parse is refused here, so the popup/iframe origin check never meets one
    expect(() => processDiscovery('https://op.test/', { ...meta, authorization_endpoint: 'https://a b/auth' })).toThrow(
      'Discovery "authorization_endpoint" must be an http(s) URL, got "https://a b/auth"',
    );
    expect(() => processDiscovery('https://op.test/', { ...meta, code_challenge_methods_supported: ['plain'] })).toThrow('S256');
  });
});

describe('pkce', () => {
  it('makes 43-character verifiers and the RFC 7636 S256 challenge', async () => {
    const v = createCodeVerifier();
    expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createCodeVerifier()).not.toBe(v);
    // RFC 7636 appendix B test vector
    expect(await s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('callback', () => {
  it('parses query and fragment responses', () => {
    expect(parseCallbackUrl('https://app.test/cb?code=c1&state=s1&iss=https%3A%2F%2Fop%2F')).toEqual({
      code: 'c1',
      state: 's1',
      iss: 'https://op/',
    });
    expect(parseCallbackUrl('https://app.test/cb#error=access_denied&error_description=no&state=s2')).toEqual({
      state: 's2',
      error: 'access_denied',
      error_description: 'no',
    });
  });

  it('rejects missing state, duplicated parameters and empty callbacks', () => {
    expect(() => parseCallbackUrl('https://app.test/cb?code=c1')).toThrow(StateMismatchError);
    expect(() => parseCallbackUrl('https://app.test/cb?code=a&code=b&state=s')).toThrow('Callback parameter "code" is repeated');
    expect(() => parseCallbackUrl('https://app.test/cb')).toThrow('Callback URL has no parameters');
  });

  it('an error that carries no state is a state mismatch: its text is not surfaced (issue 23, content spoofing)', () => {
    expect(() => parseCallbackUrl('https://app.test/cb?error=invalid_request&error_description=Bad%20redirect_uri')).toThrow(
      expect.objectContaining({ error: 'state_mismatch', error_description: 'Callback has no "state" parameter' }),
    );
  });

  const expected = { state: 's', issuer: 'https://op/', issParameterRequired: true, appState: { to: '/x' } };

  // state: each caller found the transaction by it (client.test.ts: no transaction; popup/iframe tests: another state is ignored)
  it('checks iss (RFC 9207), then error', () => {
    expect(checkAuthorizationResponse({ code: 'c', state: 's', iss: 'https://op/' }, expected, expected)).toBe('c');
    const missing = (() => {
      try {
        checkAuthorizationResponse({ code: 'c', state: 's' }, expected, expected);
      } catch (e) {
        return e as AuthenticationError;
      }
    })();
    expect(missing).toBeInstanceOf(AuthenticationError);
    expect(missing?.error).toBe('invalid_issuer');
    expect(missing?.message).toBe('Authorization response "iss" is undefined, expected "https://op/"');
    expect(() => checkAuthorizationResponse({ code: 'c', state: 's', iss: 'https://evil/' }, expected, expected)).toThrow(
      'Authorization response "iss" is "https://evil/", expected "https://op/"',
    );
    // not advertised and absent: accepted; present: still checked
    expect(checkAuthorizationResponse({ code: 'c', state: 's' }, expected, { ...expected, issParameterRequired: false })).toBe('c');
    expect(() => checkAuthorizationResponse({ code: 'c', state: 's', iss: 'https://evil/' }, expected, { ...expected, issParameterRequired: false })).toThrow(
      AuthenticationError,
    );
  });

  it('turns an error response into AuthenticationError with appState', () => {
    try {
      checkAuthorizationResponse({ state: 's', iss: 'https://op/', error: 'access_denied', error_description: 'User said no' }, expected, expected);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AuthenticationError);
      expect(e).toMatchObject({ error: 'access_denied', error_description: 'User said no', appState: { to: '/x' }, state: 's' });
    }
  });
});

describe('processTokenResponse', () => {
  const ok = { access_token: 'at', token_type: 'Bearer', expires_in: 3600, id_token: 'a.b.c', refresh_token: 'rt', scope: 'openid' };

  it('accepts a complete response', () => {
    expect(processTokenResponse(ok, true)).toEqual(ok);
  });

  it.each([
    [{ ...ok, access_token: '' }, 'Token response "access_token" must be a non-empty string, got ""'],
    [{ ...ok, token_type: 'mac' }, '"token_type" must be "Bearer" or "DPoP"'],
    [{ ...ok, expires_in: '3600' }, '"expires_in" must be seconds > 0, got "3600"'],
    [{ ...ok, refresh_token: 42 }, '"refresh_token" must be a non-empty string, got 42'],
    [{ ...ok, id_token: undefined }, '"id_token" must be present (scope has openid), got undefined'],
    [{ ...ok, scope: ['openid'] }, '"scope" must be a string, got ["openid"]'],
  ])('rejects %j', (body, message) => {
    expect(() => processTokenResponse(body as Record<string, unknown>, true)).toThrow(message);
  });
});

describe('TransactionStore', () => {
  const tx = (state: string): Transaction => ({
    state,
    nonce: 'n',
    codeVerifier: 'v',
    redirectUri: 'https://app.rotor.test/cb',
    scope: 'openid',
    createdAt: Date.now(),
    appState: { n: state },
  });

  it('keys transactions by state so concurrent logins do not overwrite each other', () => {
    const a = transactionStore('demo');
    const b = transactionStore('demo'); // another tab's client, same sessionStorage
    a.save(tx('s1'));
    b.save(tx('s2'));
    expect(a.get('s2')?.appState).toEqual({ n: 's2' });
    expect(b.get('s1')?.appState).toEqual({ n: 's1' });
    a.remove('s1');
    expect(b.get('s1')).toBeUndefined();
    expect(b.get('s2')).toBeDefined();
  });

  it('turns a sessionStorage failure into StorageError', () => {
    const setItem = vi.spyOn(sessionStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    try {
      expect(() => transactionStore('demo').save(tx('s3'))).toThrow(
        expect.objectContaining({ error: 'storage_error', message: 'sessionStorage write failed: QuotaExceededError: quota' }),
      );
    } finally {
      setItem.mockRestore();
    }
  });

  it("a save sweeps this client's stale and unreadable entries, and leaves other clients' and fresh ones", () => {
    const key = (client: string, state: string) => `@@rotor@@::${client}::tx::${state}`;
    const stale = Date.now() - TRANSACTION_MAX_AGE_MS - 1000;
    sessionStorage.setItem(key('demo', 'old'), JSON.stringify({ ...tx('old'), createdAt: stale }));
    sessionStorage.setItem(key('demo', 'junk'), '{not json');
    sessionStorage.setItem(key('other', 'old'), JSON.stringify({ ...tx('old'), createdAt: stale }));
    sessionStorage.setItem(key('demo', 'young'), JSON.stringify({ ...tx('young'), createdAt: Date.now() - TRANSACTION_MAX_AGE_MS + 60_000 }));
    const s = transactionStore('demo');
    s.save(tx('new'));
    expect([key('demo', 'old'), key('demo', 'junk'), key('other', 'old'), key('demo', 'young'), key('demo', 'new')].map((k) => sessionStorage.getItem(k) !== null)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(s.get('young')?.appState).toEqual({ n: 'young' });
  });

  it('drops unreadable entries instead of throwing', () => {
    sessionStorage.setItem('@@rotor@@::demo::tx::bad', '{not json');
    const s = transactionStore('demo');
    expect(s.get('bad')).toBeUndefined();
    expect(sessionStorage.getItem('@@rotor@@::demo::tx::bad')).toBeNull();
  });
});

describe('TokenStore', () => {
  const entry = (audience: string, family?: string): AccessEntry => ({
    v: 1,
    audience,
    scope: 'openid offline_access',
    access_token: `at-${audience}`,
    token_type: 'Bearer',
    expires_at: Date.now() + 60_000,
    obtained_at: Date.now(),
    family,
  });

  /** A cache without allKeys, so the store keeps its own manifest. */
  class MapCache implements Cache {
    readonly map = new Map<string, unknown>();
    async get<T>(k: string) {
      return this.map.get(k) as T | undefined;
    }
    async set<T>(k: string, v: T) {
      this.map.set(k, structuredClone(v));
    }
    async remove(k: string) {
      this.map.delete(k);
    }
  }

  for (const [name, make] of [
    ['InMemoryCache', () => new InMemoryCache()],
    ['cache without allKeys', () => new MapCache()],
  ] as const) {
    it(`compare-and-swaps refresh tokens and removes whole families (${name})`, async () => {
      const store = tokenStore(make(), 'demo');
      await store.createFamily('f1', 'rt1');
      await store.createFamily('f2', 'rtX');
      await store.setAccess(entry('api', 'f1'));
      await store.setAccess(entry('other', 'f1'));
      await store.setAccess(entry('third', 'f2'));
      const f1 = (await store.getFamily('f1'))!;
      expect(await store.casFamily({ ...f1, refresh_token: 'stale' }, { ...f1, refresh_token: 'rt2' })).toBe(false);
      expect(await store.casFamily(f1, { ...f1, refresh_token: 'rt2', seq: 1 })).toBe(true);
      expect(await store.getFamily('f1')).toMatchObject({ refresh_token: 'rt2', seq: 1 });
      // a failure of an older token must not remove the successor
      expect(await store.removeFamily('f1', 'rt1')).toBe(false);
      expect(await store.getAccess('api', 'openid offline_access')).toBeDefined();
      expect(await store.removeFamily('f1', 'rt2')).toBe(true);
      expect(await store.getFamily('f1')).toBeUndefined();
      expect(await store.getAccess('api', 'offline_access openid')).toBeUndefined();
      expect(await store.getAccess('other', 'openid offline_access')).toBeUndefined();
      expect((await store.getAccess('third', 'openid offline_access'))?.access_token).toBe('at-third');
      expect(await store.families()).toEqual(['f2']);
      await store.clear();
      expect(await store.keys()).toEqual([]);
    });
  }

  it('a session naming a family that is gone reads as signed out, and removing that family removes it', async () => {
    const cache = new InMemoryCache();
    const store = tokenStore(cache, 'demo');
    const session = { v: 1, id_token: 'id', claims: { sub: 'u', __raw: 'id' }, family: 'f1', obtained_at: 1 } as SessionEntry;
    await store.setSession(session); // left behind: its family was removed by a sign-out it raced
    expect(await store.getSession()).toBeUndefined();
    expect(await store.storedSession()).toEqual(session);
    expect(await store.removeFamily('f1')).toBe(true);
    expect(await store.storedSession()).toBeUndefined();
    expect(await store.keys()).toEqual([]);
  });

  it('drops corrupt and foreign entries without throwing', async () => {
    const cache = new InMemoryCache();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    cache.set('@@rotor@@::demo::rt::f1', { v: 1, family: 'f1' });
    cache.set('@@rotor@@::demo::id', 'garbage');
    cache.set('other-library', { keep: true });
    const store = tokenStore(cache, 'demo');
    expect(await store.getFamily('f1')).toBeUndefined();
    expect(await store.getSession()).toBeUndefined();
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.get('@@rotor@@::demo::rt::f1')).toBeUndefined();
    expect(cache.get('@@rotor@@::demo::id')).toBeUndefined();
    expect(cache.get('other-library')).toEqual({ keep: true });
    // Reported once per key: each warning names the entry it dropped and why.
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(/"@@rotor@@::demo::rt::f1" \(not an entry\)/),
      expect.stringMatching(/"@@rotor@@::demo::id" \(not an entry\)/),
    ]);
    cache.set('@@rotor@@::demo::id', 'garbage');
    expect(await store.getSession()).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

describe('buildLogoutUrl', () => {
  const oidc = { ...endpointsFromDomain('auth.example.com'), logout: { url: 'https://auth.example.com/end', style: 'oidc' as const } };

  it('keeps the caller\'s own parameters unless the SDK sets a value for them', () => {
    const url = new URL(
      buildLogoutUrl(oidc, 'cid', { clientId: null, logoutParams: { post_logout_redirect_uri: 'https://app/x', client_id: 'own', ui_locales: 'fr' } }) as string,
    );
    expect([...url.searchParams]).toEqual([
      ['post_logout_redirect_uri', 'https://app/x'],
      ['client_id', 'own'],
      ['ui_locales', 'fr'],
    ]);
    const sdk = new URL(buildLogoutUrl(oidc, 'cid', { logoutParams: { returnTo: 'https://app/bye', client_id: 'own' } }, 'idt') as string);
    expect([...sdk.searchParams]).toEqual([
      ['client_id', 'cid'],
      ['id_token_hint', 'idt'],
      ['post_logout_redirect_uri', 'https://app/bye'],
    ]);
  });

  it('auth0 style: returnTo and an empty federated flag only when asked', () => {
    const ep = endpointsFromDomain('auth.example.com');
    expect(buildLogoutUrl(ep, 'cid', { logoutParams: { returnTo: 'https://app/', federated: true } })).toBe(
      'https://auth.example.com/v2/logout?client_id=cid&returnTo=https%3A%2F%2Fapp%2F&federated=',
    );
    expect(buildLogoutUrl(ep, 'cid', { logoutParams: { federated: false } })).toBe('https://auth.example.com/v2/logout?client_id=cid');
  });
});
