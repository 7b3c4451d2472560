// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { endpointsFromDomain } from '../../src/protocol/endpoints.js';
import { AuthenticationError, ConfigurationError } from '../../src/errors.js';
import { resolveOptions, type AuthClientOptions } from '../../src/client/options.js';
import { AUTH, harness, login, makeClient, rejectionOf } from './helpers.js';

/** The repository root (vitest runs there; happy-dom's import.meta.url is not a file URL). */
const root = (path: string) => resolve(process.cwd(), path);

function configError(options: Record<string, unknown>): ConfigurationError {
  try {
    resolveOptions({ domain: 'a.test', clientId: 'c', ...options } as AuthClientOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return e as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

/** Option names of auth0-spa-js's Auth0ClientOptions, read from the installed 2.27 type declarations. */
function auth0Options(): string[] {
  const dts = readFileSync(root('node_modules/@auth0/auth0-spa-js/dist/typings/global.d.ts'), 'utf8');
  const start = dts.indexOf('export interface Auth0ClientOptions {');
  const lines = dts.slice(start).split(/\r?\n/);
  const body = lines.slice(0, lines.indexOf('}'));
  return body.map((line) => /^ {4}(\w+)\??:/.exec(line)?.[1]).filter((name): name is string => !!name);
}

/** A valid value for each auth0-spa-js option (its documented shape). */
const SAMPLE: Record<string, unknown> = {
  domain: 'tenant.auth0.com', issuer: 'https://login.example.com/', clientId: 'abc', leeway: 60, cacheLocation: 'localstorage',
  cache: { get: () => undefined, set: () => undefined, remove: () => undefined }, useRefreshTokens: true,
  useRefreshTokensFallback: true, authorizeTimeoutInSeconds: 60, httpTimeoutInSeconds: 10,
  auth0Client: { name: 'x', version: '1' }, legacySameSiteCookie: false, useCookiesForTransactions: true,
  sessionCheckExpiryDays: 1, cookieDomain: '.example.com', useFormData: false, nowProvider: () => Date.now(),
  workerUrl: '/worker.js', useMrrt: true, useDpop: true, refreshTokenMode: 'offline', interactiveErrorHandler: 'popup',
  authorizationParams: { redirect_uri: 'https://app.example.com/', scope: { default: 'profile' } },
  anonymousSessionsCacheMode: 'memory', createAnonymousSessionOnFailedSilentAuth: true,
  sessionTransferTokenQueryParamName: 'stt', enterpriseConnect: true,
};
/**
 * Options this branch does not accept yet, each with the work that adds it. When that lands the
 * option is accepted and this test fails until it is moved out of here (and the README row updated).
 */
const NOT_YET: Record<string, string> = {};

describe('auth0-spa-js 2.27 options', () => {
  const names = auth0Options();

  it('reads every option from its declarations', () => {
    expect(names.length).toBeGreaterThanOrEqual(27);
    expect(names).toEqual(expect.arrayContaining(['domain', 'issuer', 'useMrrt', 'enterpriseConnect']));
    for (const name of names) expect(SAMPLE, `no sample value for ${name}`).toHaveProperty(name);
  });

  it('each option is accepted, or is listed as not yet here and rejected by name', () => {
    for (const name of names) {
      const options = { domain: 'tenant.auth0.com', clientId: 'abc', [name]: SAMPLE[name] };
      if (name in NOT_YET) {
        expect(() => resolveOptions(options as AuthClientOptions), name).toThrow(`Unknown option "${name}"`);
      } else {
        expect(() => resolveOptions(options as AuthClientOptions), name).not.toThrow();
      }
    }
  });

  it('the README migration section names every option', () => {
    const readme = readFileSync(root('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Migrating from auth0-spa-js'), readme.indexOf('\n## ', readme.indexOf('## Migrating from auth0-spa-js') + 5));
    for (const name of names) expect(section, name).toContain(`\`${name}\``);
  });

  it('cacheLocation must be one of the built-in caches (not an Object.prototype name)', () => {
    for (const bad of ['session', 'toString']) {
      expect(configError({ cacheLocation: bad }).message).toBe(`Option "cacheLocation" must be one of memory,localstorage,indexeddb, got "${bad}"`);
    }
  });

  it("refreshTokenMode 'online' is refused with the reason", () => {
    expect(configError({ refreshTokenMode: 'online' }).message).toBe('Option "refreshTokenMode" must be "offline", got "online"');
  });
});

describe('timeouts and leeway', () => {
  it('timeouts must be > 0; leeway may be 0', () => {
    for (const name of ['authorizeTimeoutInSeconds', 'httpTimeoutInSeconds']) {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
        expect(configError({ [name]: bad }).message).toBe(`Option "${name}" must be seconds > 0, got ${JSON.stringify(bad)}`);
      }
      expect(resolveOptions({ domain: 'a.test', clientId: 'c', [name]: 0.5 })[name as 'httpTimeoutInSeconds']).toBe(0.5);
    }
    expect(resolveOptions({ domain: 'a.test', clientId: 'c', leeway: 0 }).leeway).toBe(0);
    expect(configError({ leeway: -1 }).message).toBe('Option "leeway" must be seconds >= 0, got -1');
  });

  it('loadUserInfo is a boolean, default false', () => {
    expect(resolveOptions({ domain: 'a.test', clientId: 'c' }).loadUserInfo).toBe(false);
    expect(resolveOptions({ domain: 'a.test', clientId: 'c', loadUserInfo: true }).loadUserInfo).toBe(true);
    expect(configError({ loadUserInfo: 'yes' }).message).toContain('"loadUserInfo" must be a boolean');
  });
});

describe('scope per audience (auth0-spa-js 2.27 object form)', () => {
  it("uses the configured audience's entry, else default, else the default scope", () => {
    const scope = { default: 'profile', 'https://api.test': 'email read:x' };
    const withApi = resolveOptions({ domain: 'a.test', clientId: 'c', authorizationParams: { audience: 'https://api.test', scope } });
    expect(withApi.scope).toBe('openid email read:x offline_access');
    expect(withApi.authorizationParams.scope).toBe('email read:x');
    expect(resolveOptions({ domain: 'a.test', clientId: 'c', authorizationParams: { scope } }).scope).toBe('openid profile offline_access');
    expect(resolveOptions({ domain: 'a.test', clientId: 'c', authorizationParams: { scope: {} } }).scope).toBe('openid profile email offline_access');
    expect(configError({ authorizationParams: { scope: { default: 1 } } }).message).toBe('Option "authorizationParams.scope" must be a string or an object of strings, got {"default":1}');
  });
});

describe('domain and issuer together (auth0-spa-js semantics)', () => {
  const h = harness();
  beforeEach(() => {
    h.start();
    sessionStorage.clear();
  });

  it('endpoints come from domain, the expected iss from issuer (a bare host means https://host/)', () => {
    const o = resolveOptions({ domain: 'auth.example.com', issuer: 'login.example.com', clientId: 'c' });
    expect(o.issuer).toBe('https://login.example.com/');
    expect(resolveOptions({ domain: 'auth.example.com', issuer: 'https://login.example.com', clientId: 'c' }).issuer).toBe('https://login.example.com');
    expect(endpointsFromDomain('auth.example.com', o.issuer)).toMatchObject({
      issuer: 'https://login.example.com/',
      authorization: 'https://auth.example.com/authorize',
      token: 'https://auth.example.com/oauth/token',
      userinfo: 'https://auth.example.com/userinfo',
    });
    expect(endpointsFromDomain('auth.example.com').issuer).toBe('https://auth.example.com/');
  });

  it('issuer alone must be a URL (discovery); a bare host is only allowed beside domain', () => {
    expect(() => resolveOptions({ issuer: 'https://login.example.com/', clientId: 'c' })).not.toThrow();
    expect(configError({ domain: undefined, issuer: 'login.example.com' }).message).toBe('Option "issuer" must be an http(s) URL, got "login.example.com"');
    expect(configError({ issuer: 'not a host!' }).message).toContain('"issuer" must be host[:port]');
  });

  it('signs in when the issuer matches what the server issues, and refuses another issuer', async () => {
    const ok = makeClient({ domain: AUTH, issuer: `${AUTH}/` });
    await login(h, ok);
    expect(await ok.isAuthenticated()).toBe(true);

    sessionStorage.clear();
    const other = makeClient({ domain: AUTH, issuer: 'https://tenant.rotor.test/' });
    const err = await rejectionOf(login(h, other));
    // The authorization response's RFC 9207 iss is checked against the expected issuer first.
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ error: 'invalid_issuer' });
    expect(await other.isAuthenticated()).toBe(false);
  });
});
