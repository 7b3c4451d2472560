import type { ClientAuthorizationParams } from './options.js';
import { num, obj, str } from './cache/entries.js';
import { ConfigurationError, mustBe } from './errors.js';

// For resolveOptions (options.ts): the auth0-spa-js compatibility tables (known option names, top-level parameters of v1),
// the scope helpers (default scope, normalisation, scope per audience) and the option validation helpers.

/** Options that work, then the auth0-spa-js 2.27 options accepted without effect (see AuthClientOptions). */
export const KNOWN = new Set(
  (
    'domain issuer clientId authorizationParams cacheLocation cache useRefreshTokens useRefreshTokensFallback ' +
    'authorizeTimeoutInSeconds httpTimeoutInSeconds leeway loadUserInfo nowProvider useDpop useMrrt refreshTokenMode ' +
    'interactiveErrorHandler useFormData sessionCheckExpiryDays cookieDomain useCookiesForTransactions legacySameSiteCookie ' +
    'workerUrl auth0Client anonymousSessionsCacheMode createAnonymousSessionOnFailedSilentAuth ' +
    'sessionTransferTokenQueryParamName enterpriseConnect'
  ).split(' '),
);

/** Top-level options that belong in `authorizationParams` (auth0-spa-js v1). */
export const PARAMS_OPTIONS = ['redirect_uri', 'audience', 'scope', 'max_age', 'prompt', 'connection', 'organization'];

/** An option mistake the value does not explain: a ConfigurationError naming the fix. */
export function bad(message: string): never {
  throw new ConfigurationError(message);
}

/** A bad option value: `Option "name" must be <want>, got <value>`. */
export function must(name: string, want: string, value: unknown): never {
  mustBe(ConfigurationError, `Option "${name}"`, want, value);
}

export const DEFAULT_SCOPE = 'openid profile email';

/** Split, de-duplicate and join a scope string. */
export function normalizeScope(...scopes: (string | undefined)[]): string {
  // join() writes undefined as ''; a Set keeps the first of each scope, in order
  return [...new Set(scopes.join(' ').split(/\s+/).filter(Boolean))].join(' ');
}

/** The effective scope of a request: always `openid`, `offline_access` when refresh tokens are on. */
export function effectiveScope(scope: string | undefined, useRefreshTokens: boolean): string {
  return normalizeScope('openid', scope ?? DEFAULT_SCOPE, useRefreshTokens ? 'offline_access' : undefined);
}

type Input = Record<string, unknown>;

/** Option `name` of `o` in seconds: `zeroOk` accepts zero (leeway), else it must be above zero (timeouts). */
export function seconds(o: Input, name: string, fallback: number, zeroOk?: boolean): number {
  const value = o[name] === undefined ? fallback : o[name];
  if (!num(value) || value < 0 || (!zeroOk && !value)) {
    must(name, `seconds ${zeroOk ? '>=' : '>'} 0`, value);
  }
  return value;
}

/** Boolean option `name` of `o`. */
export function bool(o: Input, name: string, fallback: boolean): boolean {
  const value = o[name] === undefined ? fallback : o[name];
  if (typeof value !== 'boolean') must(name, 'a boolean', value);
  return value;
}

/** A non-empty string (or absent when `optional`). */
export function text(name: string, value: unknown, optional?: boolean): void {
  if (!(optional && value === undefined) && !str(value)) must(name, 'a non-empty string', value);
}

export const HTTP_URL = /^https?:\/\//i;

/** An absolute http(s) URL that parses (so its origin is never "null"). */
export function isHttpUrl(value: unknown): value is string {
  try {
    return str(value) && HTTP_URL.test(value) && !!new URL(value);
  } catch {
    return false;
  }
}

/** An http(s) URL, or with `hostOk` also a bare host[:port]. */
export function urlish(name: string, value: unknown, hostOk: boolean): void {
  if (!((hostOk && str(value) && /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value)) || isHttpUrl(value))) {
    must(name, hostOk ? 'host[:port] or an http(s) URL' : 'an http(s) URL', value);
  }
}

/** The client's scope string: as given, or from a per-audience object (the audience's entry, else `default`). */
export function baseScope(scope: ClientAuthorizationParams['scope'], audience: string | undefined): string | undefined {
  if (scope === undefined || typeof scope === 'string') return scope;
  if (!obj(scope) || Object.values(scope).some((v) => typeof v !== 'string')) {
    must('authorizationParams.scope', 'a string or an object of strings', scope);
  }
  return (audience !== undefined ? scope[audience] : undefined) ?? scope.default;
}
