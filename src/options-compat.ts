import type { CacheLocation, ClientAuthorizationParams } from './options.js';
import { ConfigurationError } from './errors.js';

// For resolveOptions (options.ts): the auth0-spa-js compatibility tables (known and renamed option names),
// the scope helpers (default scope, normalisation, scope per audience) and the option validation helpers.

/** Options that work, then the auth0-spa-js 2.27 options accepted without effect (see AuthClientOptions). */
export const KNOWN = new Set([
  'domain', 'issuer', 'clientId', 'authorizationParams', 'cacheLocation', 'cache', 'useRefreshTokens',
  'useRefreshTokensFallback', 'authorizeTimeoutInSeconds', 'httpTimeoutInSeconds', 'leeway', 'loadUserInfo', 'nowProvider', 'useDpop',
  'useMrrt', 'refreshTokenMode', 'interactiveErrorHandler', 'useFormData', 'sessionCheckExpiryDays', 'cookieDomain',
  'useCookiesForTransactions', 'legacySameSiteCookie', 'workerUrl', 'auth0Client', 'anonymousSessionsCacheMode',
  'createAnonymousSessionOnFailedSilentAuth', 'sessionTransferTokenQueryParamName', 'enterpriseConnect',
]);

/** Renamed (auth0-spa-js v1 or snake_case) options and the fix to name in the error. */
export const RENAMED: Record<string, string> = {
  client_id: 'clientId',
  clientID: 'clientId',
  redirectUri: 'authorizationParams.redirect_uri',
  advancedOptions: 'authorizationParams.scope',
  cache_location: 'cacheLocation',
  use_refresh_tokens: 'useRefreshTokens',
  authorizeTimeout: 'authorizeTimeoutInSeconds',
  httpTimeout: 'httpTimeoutInSeconds',
  cacheMode: 'getTokenSilently({ cacheMode })',
};
/** Top-level options that belong in `authorizationParams` (auth0-spa-js v1). */
export const PARAMS_OPTIONS = ['redirect_uri', 'audience', 'scope', 'max_age', 'prompt', 'connection', 'organization'];

export const CACHE_LOCATIONS: readonly CacheLocation[] = ['memory', 'localstorage', 'indexeddb'];

/** Every option mistake: a ConfigurationError naming the fix. */
export function bad(message: string): never {
  throw new ConfigurationError(message);
}

export const DEFAULT_SCOPE = 'openid profile email';

/** Split, de-duplicate and join a scope string. */
export function normalizeScope(...scopes: (string | undefined)[]): string {
  const out: string[] = [];
  for (const s of scopes) {
    for (const part of (s ?? '').split(/\s+/)) if (part && !out.includes(part)) out.push(part);
  }
  return out.join(' ');
}

/** The effective scope of a request: always `openid`, `offline_access` when refresh tokens are on. */
export function effectiveScope(scope: string | undefined, useRefreshTokens: boolean): string {
  return normalizeScope('openid', scope ?? DEFAULT_SCOPE, useRefreshTokens ? 'offline_access' : undefined);
}

/** A number of seconds: `min: 0` accepts zero (leeway), `min: 'above0'` needs more than zero (timeouts). */
export function seconds(name: string, value: unknown, fallback: number, min: 0 | 'above0'): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (min === 'above0' && value === 0)) {
    bad(`Option "${name}" must be a number of seconds ${min === 0 ? '>=' : '>'} 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') bad(`Option "${name}" must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

export function checkUrlish(name: string, value: string): void {
  if (/^https?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      bad(`Option "${name}" is not a valid URL: ${value}`);
    }
  } else if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value)) {
    bad(`Option "${name}" must be host[:port] or an http(s):// origin, got "${value}"`);
  }
}

/** The client's scope string: as given, or from a per-audience object (the audience's entry, else `default`). */
export function baseScope(scope: ClientAuthorizationParams['scope'], audience: string | undefined): string | undefined {
  if (scope === undefined || typeof scope === 'string') return scope;
  if (!scope || typeof scope !== 'object' || Object.values(scope).some((v) => typeof v !== 'string')) {
    bad('authorizationParams.scope must be a string or an object of strings per audience');
  }
  return (audience !== undefined ? scope[audience] : undefined) ?? scope.default;
}
