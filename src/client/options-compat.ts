import type { ClientAuthorizationParams } from '../protocol/scope.js';
import { isHttpUrl, must, obj, str } from '../shape.js';
import { ConfigurationError } from '../errors.js';

// For resolveOptions (options.ts): the auth0-spa-js compatibility tables (known option names, top-level parameters of v1),
// the client's scope per audience and the option validation helpers (the scope rules are protocol/scope.ts).

/** Options that work, then the auth0-spa-js 2.27 options accepted without effect (see AuthClientOptions). */
export const KNOWN = new Set(
  (
    'domain issuer clientId authorizationParams cacheLocation cache useRefreshTokens useRefreshTokensFallback ' +
    'authorizeTimeoutInSeconds httpTimeoutInSeconds leeway loadUserInfo nowProvider useDpop useMrrt refreshTokenMode ' +
    'interactiveErrorHandler useFormData sessionCheckExpiryDays cookieDomain useCookiesForTransactions legacySameSiteCookie ' +
    'workerUrl auth0Client anonymousSessionsCacheMode createAnonymousSessionOnFailedSilentAuth ' +
    'sessionTransferTokenQueryParamName enterpriseConnect sessionExpiringLeadInSeconds loginLoopLimit loginLoopWindowInSeconds ' +
    'cleanCallbackUrl autoRefresh idleTimeoutInSeconds'
  ).split(' '),
);

/** Top-level options that belong in `authorizationParams` (auth0-spa-js v1). */
export const PARAMS_OPTIONS = ['redirect_uri', 'audience', 'scope', 'max_age', 'prompt', 'connection', 'organization'];

/** Levenshtein distance, for option-name hints (short strings only). */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
};

/** The known option an unknown name most likely meant: snake_case or other casing of it, or at most 2 edits away. */
export function optionHint(key: string): string | undefined {
  const camel = key.toLowerCase().replace(/_+(.)/g, (_, c: string) => c.toUpperCase());
  const known = [...KNOWN];
  return known.find((k) => k.toLowerCase() === camel.toLowerCase()) ?? known.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2);
}

/** An option mistake the value does not explain: a ConfigurationError naming the fix. */
export function bad(message: string): never {
  throw new ConfigurationError(message);
}

type Input = Record<string, unknown>;

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
