/**
 * The `resources` option: protected APIs under `/api/` (the mock resource
 * server), resolved once. `/api/private` is always one of them: the default
 * one checks only `aud` (`privateApiAudience`), exactly as before resources
 * existed, unless `resources` defines that path itself.
 */
import { fail, list, obj, oneOf, seconds, str } from '../option-checks.js';
import type { MockApi, ResourceDpop } from '../types.js';

export const PRIVATE_API_PATH = '/api/private';

export interface ResolvedResource {
  path: string;
  /** Null only for the default `/api/private` when no API is configured (it then refuses every token). */
  audience: string | null;
  scopes: string[];
  dpop: ResourceDpop;
  acrValues: string[];
  maxAge: number | null;
  /** Where the token's audience comes from, for the hint in an `invalid_token` answer. */
  audienceHint: string;
  /** The default `/api/private` (its success body is the demo's). */
  builtIn: boolean;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

function resolveResource(f: string, raw: unknown, apis: ReadonlyMap<string, unknown>): ResolvedResource {
  const r = obj(f, raw);
  for (const k of Object.keys(r)) {
    if (!['path', 'audience', 'scopes', 'dpop', 'acrValues', 'maxAge'].includes(k)) fail(`${f}.${k}`, 'unknown field (known: path, audience, scopes, dpop, acrValues, maxAge)');
  }
  const path = str(`${f}.path`, r.path);
  const bare = path.endsWith('/*') ? path.slice(0, -2) : path;
  if (!/^\/api\/[A-Za-z0-9._~!$&'()+,;=:@%/-]+$/.test(bare) || bare.includes('//') || /(^|\/)\.\.?(\/|$)/.test(bare)) {
    fail(`${f}.path`, `expected a path under /api/ (like /api/orders, or /api/orders/* for a prefix), got ${JSON.stringify(path.slice(0, 80))}`);
  }
  const audience = str(`${f}.audience`, r.audience);
  if (!apis.has(audience)) fail(`${f}.audience`, `not one of apis: ${audience} (known: ${[...apis.keys()].join(', ')})`);
  const scopes = list(`${f}.scopes`, r.scopes, (n, x) => {
    const s = str(n, x);
    if (!SCOPE_TOKEN.test(s)) fail(n, `expected one scope (no spaces or quotes), got ${JSON.stringify(s.slice(0, 60))}`);
    return s;
  }) ?? [];
  const acrValues = list(`${f}.acrValues`, r.acrValues, (n, x) => {
    const s = str(n, x);
    if (/[\s"\\]/.test(s)) fail(n, `expected one acr value (no spaces or quotes), got ${JSON.stringify(s.slice(0, 60))}`);
    return s;
  }) ?? [];
  return {
    path,
    audience,
    scopes,
    dpop: oneOf(`${f}.dpop`, r.dpop, ['allowed', 'required'] as const, 'allowed'),
    acrValues,
    maxAge: r.maxAge === undefined ? null : Math.floor(seconds(`${f}.maxAge`, r.maxAge, 0)),
    audienceHint: `${f}.audience changes it`,
    builtIn: false,
  };
}

/** Resolves `resources`, adds the default `/api/private`, and sorts the most specific path first. */
export function resolveResources(raw: unknown, apis: ReadonlyMap<string, MockApi | unknown>, privateApiAudience: string | null): ResolvedResource[] {
  const out = list('resources', raw, (f, x) => resolveResource(f, x, apis)) ?? [];
  const seen = new Set<string>();
  out.forEach((r, i) => {
    if (seen.has(r.path)) fail(`resources[${i}].path`, `duplicate path ${r.path}`);
    seen.add(r.path);
  });
  if (!seen.has(PRIVATE_API_PATH)) {
    out.push({
      path: PRIVATE_API_PATH,
      audience: privateApiAudience,
      scopes: [],
      dpop: 'allowed',
      acrValues: [],
      maxAge: null,
      audienceHint: '--private-api-audience changes it',
      builtIn: true,
    });
  }
  // exact paths before prefixes; among prefixes, the longest first
  const rank = (r: ResolvedResource) => (r.path.endsWith('/*') ? r.path.length : Number.MAX_SAFE_INTEGER);
  return out.sort((a, b) => rank(b) - rank(a));
}

/** The resource serving `pathname` (an exact path, else the longest matching `/*` prefix). */
export function findResource(resources: readonly ResolvedResource[], pathname: string): ResolvedResource | undefined {
  return resources.find((r) => (r.path.endsWith('/*') ? pathname.startsWith(r.path.slice(0, -1)) : pathname === r.path));
}
