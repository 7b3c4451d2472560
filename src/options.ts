import type { Cache } from './cache/cache.js';
import { ConfigurationError } from './errors.js';

/** Parameters sent to /authorize (and, where they apply, to the token endpoint). */
export interface AuthorizationParams {
  redirect_uri?: string;
  audience?: string;
  scope?: string;
  prompt?: 'none' | 'login' | 'consent' | 'select_account';
  max_age?: number | string;
  screen_hint?: string;
  login_hint?: string;
  ui_locales?: string;
  connection?: string;
  organization?: string;
  invitation?: string;
  /** Any extra parameter is passed to /authorize unchanged. */
  [key: string]: string | number | boolean | undefined;
}

export type CacheLocation = 'memory' | 'localstorage' | 'indexeddb';

/** Options of createAuthClient / new AuthClient (auth0-spa-js v2 names). */
export interface AuthClientOptions {
  /** `host[:port]` (https is assumed) or a full `http(s)://` origin; Auth0-style endpoint paths. */
  domain?: string;
  /** Use OIDC discovery from `{issuer}/.well-known/openid-configuration` instead of Auth0 paths. */
  issuer?: string;
  clientId: string;
  authorizationParams?: AuthorizationParams;
  cacheLocation?: CacheLocation;
  cache?: Cache;
  useRefreshTokens?: boolean;
  useRefreshTokensFallback?: boolean;
  authorizeTimeoutInSeconds?: number;
  httpTimeoutInSeconds?: number;
  leeway?: number;
  /** auth0-spa-js: the current time in epoch ms (sync or async), for the SDK's time checks. */
  nowProvider?: () => number | Promise<number>;
  // auth0-spa-js options accepted for drop-in compatibility, without effect here:
  useFormData?: boolean;
  sessionCheckExpiryDays?: number;
  cookieDomain?: string;
  useCookiesForTransactions?: boolean;
  legacySameSiteCookie?: boolean;
  workerUrl?: string;
  auth0Client?: { name: string; version: string; env?: Record<string, string> };
}

/** The strict internal form every other module works with. */
export interface ResolvedOptions {
  domain?: string;
  issuer?: string;
  clientId: string;
  authorizationParams: AuthorizationParams;
  /** Default scope (normalised, `openid` included, `offline_access` added when refresh tokens are on). */
  scope: string;
  audience?: string;
  cacheLocation: CacheLocation;
  cache?: Cache;
  useRefreshTokens: boolean;
  useRefreshTokensFallback: boolean;
  authorizeTimeoutInSeconds: number;
  httpTimeoutInSeconds: number;
  leeway: number;
  nowProvider?: () => number | Promise<number>;
}

export const DEFAULT_SCOPE = 'openid profile email';

const KNOWN = new Set([
  'domain', 'issuer', 'clientId', 'authorizationParams', 'cacheLocation', 'cache', 'useRefreshTokens',
  'useRefreshTokensFallback', 'authorizeTimeoutInSeconds', 'httpTimeoutInSeconds', 'leeway', 'nowProvider',
  'useFormData', 'sessionCheckExpiryDays', 'cookieDomain', 'useCookiesForTransactions',
  'legacySameSiteCookie', 'workerUrl', 'auth0Client',
]);

/** Renamed (auth0-spa-js v1 or snake_case) options and the fix to name in the error. */
const RENAMED: Record<string, string> = {
  client_id: 'clientId',
  clientID: 'clientId',
  redirect_uri: 'authorizationParams.redirect_uri',
  redirectUri: 'authorizationParams.redirect_uri',
  audience: 'authorizationParams.audience',
  scope: 'authorizationParams.scope',
  max_age: 'authorizationParams.max_age',
  prompt: 'authorizationParams.prompt',
  connection: 'authorizationParams.connection',
  organization: 'authorizationParams.organization',
  advancedOptions: 'authorizationParams.scope',
  cache_location: 'cacheLocation',
  use_refresh_tokens: 'useRefreshTokens',
  authorizeTimeout: 'authorizeTimeoutInSeconds',
  httpTimeout: 'httpTimeoutInSeconds',
  cacheMode: 'getTokenSilently({ cacheMode })',
};

const CACHE_LOCATIONS: readonly CacheLocation[] = ['memory', 'localstorage', 'indexeddb'];

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

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`Option "${name}" must be a non-negative number of seconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigurationError(`Option "${name}" must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

function checkUrlish(name: string, value: string): void {
  if (/^https?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigurationError(`Option "${name}" is not a valid URL: ${value}`);
    }
  } else if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value)) {
    throw new ConfigurationError(`Option "${name}" must be host[:port] or an http(s):// origin, got "${value}"`);
  }
}

/** Resolve user options once into the strict internal form; every mistake is a ConfigurationError naming the fix. */
export function resolveOptions(input: AuthClientOptions): ResolvedOptions {
  if (!input || typeof input !== 'object') throw new ConfigurationError('Options object is required: createAuthClient({ domain, clientId })');
  for (const key of Object.keys(input)) {
    if (KNOWN.has(key)) continue;
    const fix = RENAMED[key];
    throw new ConfigurationError(fix ? `Unknown option "${key}": use ${fix}` : `Unknown option "${key}"`);
  }
  const o = input as AuthClientOptions & Record<string, unknown>;
  if (typeof o.clientId !== 'string' || !o.clientId) throw new ConfigurationError('Option "clientId" is required (a non-empty string)');
  if (o.domain === undefined && o.issuer === undefined) throw new ConfigurationError('Option "domain" or "issuer" is required');
  if (o.domain !== undefined && o.issuer !== undefined) throw new ConfigurationError('Give either "domain" or "issuer", not both');
  if (o.domain !== undefined) {
    if (typeof o.domain !== 'string' || !o.domain) throw new ConfigurationError('Option "domain" must be a non-empty string');
    checkUrlish('domain', o.domain);
  }
  if (o.issuer !== undefined) {
    if (typeof o.issuer !== 'string' || !/^https?:\/\//i.test(o.issuer)) {
      throw new ConfigurationError('Option "issuer" must be an http(s):// URL');
    }
    checkUrlish('issuer', o.issuer);
  }
  const params = o.authorizationParams ?? {};
  if (typeof params !== 'object') throw new ConfigurationError('Option "authorizationParams" must be an object');
  for (const bad of ['client_id', 'clientId', 'response_type', 'code_challenge', 'state', 'nonce'] as const) {
    if (bad in params) throw new ConfigurationError(`authorizationParams.${bad} is set by the SDK; remove it`);
  }
  const cacheLocation = o.cacheLocation ?? 'memory';
  if (!CACHE_LOCATIONS.includes(cacheLocation)) {
    throw new ConfigurationError(`Option "cacheLocation" must be one of ${CACHE_LOCATIONS.join(', ')}, got ${JSON.stringify(cacheLocation)}`);
  }
  if (o.cache !== undefined) {
    const c = o.cache as Partial<Cache> | null;
    if (!c || typeof c.get !== 'function' || typeof c.set !== 'function' || typeof c.remove !== 'function') {
      throw new ConfigurationError('Option "cache" must implement get(key), set(key, value) and remove(key)');
    }
  }
  const useRefreshTokens = bool('useRefreshTokens', o.useRefreshTokens, true);
  const audience = params.audience;
  if (audience !== undefined && (typeof audience !== 'string' || !audience)) {
    throw new ConfigurationError('authorizationParams.audience must be a non-empty string');
  }
  if (o.nowProvider !== undefined && typeof o.nowProvider !== 'function') throw new ConfigurationError('Option "nowProvider" must be a function returning epoch ms');
  return {
    nowProvider: o.nowProvider,
    domain: o.domain,
    issuer: o.issuer,
    clientId: o.clientId,
    authorizationParams: { ...params },
    scope: effectiveScope(typeof params.scope === 'string' ? params.scope : undefined, useRefreshTokens),
    audience,
    cacheLocation,
    cache: o.cache,
    useRefreshTokens,
    useRefreshTokensFallback: bool('useRefreshTokensFallback', o.useRefreshTokensFallback, false),
    authorizeTimeoutInSeconds: positive('authorizeTimeoutInSeconds', o.authorizeTimeoutInSeconds, 60),
    httpTimeoutInSeconds: positive('httpTimeoutInSeconds', o.httpTimeoutInSeconds, 10),
    leeway: positive('leeway', o.leeway, 60),
  };
}
