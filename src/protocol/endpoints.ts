import { ConfigurationError, InvalidResponseError } from '../errors.js';
import { mustBe } from '../shape.js';
import { request } from './http.js';
import { HTTP_URL, isHttpUrl } from '../shape.js';

/** Where the authorization server lives and what it advertises. */
export interface Endpoints {
  /** Expected `iss` of ID tokens and authorization responses (exact string). */
  issuer: string;
  authorization: string;
  token: string;
  revocation?: string;
  /** OIDC userinfo endpoint (for `loadUserInfo`). */
  userinfo?: string;
  jwksUri: string;
  /** Auth0 `/v2/logout` or OIDC RP-initiated logout. */
  logout?: { url: string; style: 'auth0' | 'oidc' };
  /** RFC 9207: the server promises `iss` on every authorization response. */
  issParameterRequired: boolean;
}

/**
 * Auth0-style endpoints under `domain`. The expected issuer is `issuer` when given (auth0-spa-js:
 * e.g. a custom domain), else `{origin}/` as Auth0 issues it.
 */
export function endpointsFromDomain(domain: string, issuer?: string): Endpoints {
  // The origin: host[:port] means https; a full http(s) URL keeps its scheme.
  const base = new URL(HTTP_URL.test(domain) ? domain : `https://${domain}`).origin;
  return {
    issuer: issuer ?? `${base}/`,
    authorization: `${base}/authorize`,
    token: `${base}/oauth/token`,
    revocation: `${base}/oauth/revoke`,
    userinfo: `${base}/userinfo`,
    jwksUri: `${base}/.well-known/jwks.json`,
    logout: { url: `${base}/v2/logout`, style: 'auth0' },
    issParameterRequired: false,
  };
}

/** Check a discovery document (RFC 8414 / OIDC Discovery) and map it to Endpoints. */
export function processDiscovery(issuer: string, meta: Record<string, unknown>): Endpoints {
  if (meta.issuer !== issuer) mustBe(ConfigurationError, 'Discovery "issuer"', `"${issuer}" (option "issuer")`, meta.issuer);
  const methods = meta.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) {
    throw new ConfigurationError('The server does not support PKCE S256');
  }
  /** The http(s) URL in `field`; an absent optional one is undefined. */
  const url = ((field: string, required?: 1) => {
    const v = meta[field];
    if (v === undefined && !required) return undefined;
    if (!isHttpUrl(v)) mustBe(InvalidResponseError, `Discovery "${field}"`, 'an http(s) URL', v);
    return v;
  }) as { (field: string, required: 1): string; (field: string): string | undefined };
  const endSession = url('end_session_endpoint');
  return {
    issuer,
    authorization: url('authorization_endpoint', 1),
    token: url('token_endpoint', 1),
    revocation: url('revocation_endpoint'),
    userinfo: url('userinfo_endpoint'),
    jwksUri: url('jwks_uri', 1),
    logout: endSession ? { url: endSession, style: 'oidc' } : undefined,
    issParameterRequired: meta.authorization_response_iss_parameter_supported === true,
  };
}

export const discoveryUrl = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;

/**
 * Lazily resolved endpoints: domain mode (with or without an expected `issuer`) needs no network; issuer-only mode fetches
 * discovery once and caches it (a failed fetch is not cached, so a later call retries).
 */
export function endpointResolver({ domain, issuer }: { domain?: string; issuer?: string }, timeoutMs: number): () => Promise<Endpoints> {
  // domain mode: settled once, never reset (only a failed discovery is)
  let pending = domain === undefined ? undefined : Promise.resolve(endpointsFromDomain(domain, issuer));
  return () =>
    (pending ??= request(discoveryUrl(issuer!), { timeoutMs })
      .then(({ body }) => processDiscovery(issuer!, body))
      .catch((e: unknown) => {
        pending = undefined; // not cached: a later call retries
        throw e; // request and processDiscovery throw typed errors only
      }));
}
