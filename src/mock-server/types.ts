import type { DpopMode, DpopNonceOptions } from './dpop/options.js';
/**
 * Public types of the mock authorization server: options, clients, users,
 * APIs, refresh-token families, events and faults. All times are
 * milliseconds on the server clock (`Date.now()` + the control offset),
 * except inside JWTs, which use seconds as the specs require.
 */

export type ErrorProfile = 'auth0' | 'rfc';
export type SigningAlg = 'RS256' | 'ES256';
export type CookieSameSite = 'None' | 'Lax';

/** A public SPA client (no secret; PKCE S256 required). */
export interface MockClient {
  clientId: string;
  name?: string;
  /** Exact redirect URIs. */
  redirectUris?: string[];
  /** Accept any http loopback redirect URI (localhost, 127.0.0.1, [::1]; any port and path). */
  allowLoopbackRedirects?: boolean;
  /** Origins under which any redirect path is accepted, e.g. `https://app.rotor.test`. */
  redirectOrigins?: string[];
  /** Extra origins allowed to call the token/revoke/userinfo endpoints (CORS). */
  webOrigins?: string[];
  /** Exact `returnTo` / `post_logout_redirect_uri` values; redirect origins and loopback (when allowed) are accepted too. */
  allowedLogoutUrls?: string[];
}

export interface MockUser {
  sub: string;
  username: string;
  password: string;
  name?: string;
  email?: string;
  emailVerified?: boolean;
  /**
   * Scopes this user declines at consent (a narrower grant), e.g.
   * `['offline_access']`: the token response's `scope` then lacks them and no
   * refresh token is issued. `control.declineScopes` changes it at run time.
   */
  declineScopes?: string[];
}

/** A signing key of your own (`keys` option): a private JWK with `kid`; its `alg` must match `signingAlg`. */
export interface MockSigningKey {
  privateJwk: JsonWebKey & { kid: string };
}

/** An API (resource server); `allowOfflineAccess` is Auth0's "Allow Offline Access" switch. */
export interface MockApi {
  identifier: string;
  allowOfflineAccess: boolean;
  /** Access-token lifetime in seconds for this API (default: the server's). */
  accessTokenTtl?: number;
}

/**
 * A protected API the mock serves as a resource server (RFC 6750, RFC 9449 §7, RFC 9470), under `/api/`.
 * `/api/private` is always one of them (audience `privateApiAudience`) unless `resources` defines it.
 */
export interface MockResource {
  /** The path served, under `/api/`: exact (`/api/orders`), or a prefix ending in `/*` (`/api/orders/*`; the longest match wins). */
  path: string;
  /** The API identifier (one of `apis`) the access token's `aud` must include. */
  audience: string;
  /** Scopes the token must all carry; a missing one answers `403 insufficient_scope` with `scope="…"` (these). Default none. */
  scopes?: string[];
  /**
   * `allowed` (default): Bearer tokens are accepted, DPoP-bound ones need `Authorization: DPoP` + a proof;
   * `required`: an unbound (Bearer) token is refused with `401 WWW-Authenticate: DPoP error="invalid_token"`.
   */
  dpop?: ResourceDpop;
  /** RFC 9470: the token's `acr` must be one of these, else `401 insufficient_user_authentication` with `acr_values`. */
  acrValues?: string[];
  /** RFC 9470: the token's `auth_time` must be at most this many seconds old, else `401 insufficient_user_authentication` with `max_age`. */
  maxAge?: number;
}

export type ResourceDpop = 'allowed' | 'required';

/** The standard challenges a resource can be told to answer (`control.resourceChallenge`). */
export type ResourceChallenge = 'invalid_token' | 'insufficient_scope' | 'use_dpop_nonce' | 'insufficient_user_authentication';

/** `control.resourceChallenge(spec)` / `POST /__control/resource-challenge`: the next `times` requests to `path` answer `challenge`. */
export interface ResourceChallengeSpec {
  /** A resource's configured path, or a path it serves (`/api/orders/1` for `/api/orders/*`). */
  path: string;
  /** The challenge; `null` clears the path's pending one. */
  challenge: ResourceChallenge | null;
  /** How many requests answer it (default 1, at most 1000). */
  times?: number;
  /** `insufficient_scope`: the `scope` parameter (default: the resource's `scopes`). */
  scope?: string;
  /** `insufficient_user_authentication`: the `acr_values` parameter (default: the resource's `acrValues`). */
  acr_values?: string;
  /** `insufficient_user_authentication`: the `max_age` parameter, seconds (default: the resource's `maxAge`). */
  max_age?: number;
  /** The `error_description` (default: a sentence naming the challenge). */
  error_description?: string;
}

/** A pending on-demand challenge: `remaining` requests to the resource at `path` still answer it. */
export interface ResourceChallengeState {
  path: string;
  challenge: ResourceChallenge;
  remaining: number;
  scope?: string;
  acr_values?: string;
  max_age?: number;
  error_description?: string;
}

/** A configured resource as `control.resources()` shows it. */
export interface ResourceView {
  path: string;
  audience: string | null;
  scopes: string[];
  dpop: ResourceDpop;
  acrValues: string[];
  maxAge: number | null;
}

export interface MockServerOptions {
  /**
   * Resource servers under `/api/` (see MockResource). `/api/private` is added (audience `privateApiAudience`,
   * nothing else required) unless one of these has that path. CLI `--resource JSON` (repeatable).
   */
  resources?: MockResource[];
  /**
   * Fixed issuer (with trailing slash). Default: pinned by `listen()` to the
   * bound address; in process without `listen()`, the request URL's origin.
   * Never taken from the `Host` header.
   */
  issuer?: string;
  /** Origins (besides loopback ones, always allowed) that may call the control API from a browser. */
  controlOrigins?: string[];
  /**
   * Receives one line per authorization error (bad client, redirect URI, unknown audience, ...) with what
   * was sent, what is allowed and the fix. The CLI prints them (unless `--quiet`); default: none.
   */
  onLog?: (line: string) => void;
  /** Serve the control API to non-loopback TCP peers too (default false: only loopback peers, whatever the bind address). */
  allowRemoteControl?: boolean;
  /**
   * The API (one of `apis`) whose access tokens `/api/private` accepts: its `aud` must include this
   * identifier. Default: the first API (`https://api.rotor.test` with the default APIs).
   */
  privateApiAudience?: string;
  /**
   * Signing keys to use instead of the per-process default key set (made
   * once per process and algorithm, shared by servers). The first is current.
   */
  keys?: MockSigningKey[];
  /** Clients; when given they replace the default `demo` client. */
  clients?: MockClient[];
  /** Users; when given they replace the default user `user-1` (demo/demo). */
  users?: MockUser[];
  /** APIs; when given they replace the three default APIs. */
  apis?: MockApi[];
  /** Renames the default client (ignored when `clients` is given). */
  clientId?: string;
  /** Adds exact redirect URIs to the default client (ignored when `clients` is given). */
  redirectUris?: string[];
  /** Sign this user in at /authorize without the form (never for prompt=none). */
  autoLogin?: string;
  /** Seconds. Default 3600. */
  accessTokenTtl?: number;
  /** Seconds. Default 36000. */
  idTokenTtl?: number;
  /** Seconds within which the immediately previous refresh token may be presented again. Default 0 (off). */
  reuseInterval?: number;
  /** Refresh-token inactivity lifetime in seconds, reset on each use. Default 15 days. */
  idleTtl?: number;
  /** Refresh-token absolute lifetime in seconds, fixed when the family is created. Default 30 days. */
  absoluteTtl?: number;
  /** Active refresh tokens per user per client. Default 200. */
  maxActiveRefreshTokens?: number;
  /** Authorization code lifetime in seconds. Default 60. */
  codeTtl?: number;
  /** Login session lifetime in seconds. Default 3 days. */
  sessionTtl?: number;
  /** `auth0` (default): refresh-token errors are HTTP 403; `rfc`: 400. */
  errorProfile?: ErrorProfile;
  /** Ignore the session cookie on cross-site iframe requests. Default false. */
  itp?: boolean;
  /** Session cookie SameSite. Default `None` (with `Secure`). */
  cookieSameSite?: CookieSameSite;
  /** ID/access-token signing algorithm. Default RS256. */
  signingAlg?: SigningAlg;
  /** Serve the HTTP control API under /__control/. Default true. */
  controlApi?: boolean;
  /** Events kept (oldest dropped first). Default 10000. */
  maxEvents?: number;
  /**
   * DPoP (RFC 9449) at the token endpoint: `off` ignores proofs (Bearer only),
   * `optional` (default) binds when a proof is sent, `required` refuses token
   * requests without one. CLI `--dpop MODE`.
   */
  dpop?: DpopMode;
  /** Require server-issued DPoP nonces, rotated every `rotation` seconds (default 300). CLI `--dpop-nonce`. */
  dpopNonce?: boolean | DpopNonceOptions;
  /** Accepted distance of a proof's `iat` from the server clock, seconds. Default 300. */
  dpopIatWindow?: number;
}

export type FamilyStatus = 'active' | 'revoked' | 'expired';
export type RefreshTokenState = 'current' | 'rotated' | 'revoked';

export interface RefreshTokenView {
  value: string;
  state: RefreshTokenState;
  issuedAt: number;
  rotatedAt: number | null;
}

/** All refresh tokens descending from one login (one code exchange). */
export interface FamilyView {
  id: string;
  sub: string;
  clientId: string;
  audience: string | null;
  scope: string;
  status: FamilyStatus;
  /** Why the family is not active: `reuse_detected`, `revoked`, `code_replayed`, `limit`, `consent_revoked`, `mfa_required`, `idle`, `absolute`. */
  reason: string | null;
  createdAt: number;
  absoluteExpiresAt: number;
  idleExpiresAt: number;
  lastUsedAt: number;
  rotations: number;
  tokens: RefreshTokenView[];
  /** Thumbprint of the DPoP key the family is bound to (at the code exchange), null for a Bearer family. */
  jkt: string | null;
}

export type MockEventType =
  | 'token_request'
  | 'authorize'
  | 'login'
  | 'logout'
  | 'code.issued'
  | 'code.replayed'
  | 'family.created'
  | 'family.revoked'
  | 'family.expired'
  | 'refresh_token.rotated'
  | 'refresh_token.reuse_detected'
  | 'refresh_token.reuse_interval'
  | 'refresh_token.revoked'
  | 'consent.revoked'
  | 'consent.narrowed'
  | 'mfa.required'
  | 'keys.rotated'
  | 'fault.applied'
  | 'clock.advanced'
  | 'dpop.rejected'
  | 'resource_request'
  | 'reset';

export interface MockEvent {
  /** Increasing sequence number; `events({ since })` returns later ones. */
  seq: number;
  type: MockEventType;
  at: number;
  family?: string;
  sub?: string;
  clientId?: string;
  grant_type?: string;
  /** HTTP status of a token request (set when the request completes). */
  status?: number;
  error?: string;
  reason?: string;
  /** True when the event comes from `control.replay`. */
  replay?: boolean;
  detail?: Record<string, string | number | boolean | null>;
}

export type FaultStatus = 429 | 500 | 503;

/** Faults act on POST /oauth/token only. */
export interface FaultSpec {
  /** Drop (network error) the response of the next N successful rotations, after applying them. `true` = 1. */
  dropNextRotation?: number | boolean;
  /** Delay every token response by this many ms (0 clears). */
  delayMs?: number;
  /** Answer the next `count` (default 1) token requests with this status, changing nothing. */
  failNext?: { status: FaultStatus; count?: number; retryAfter?: number };
  /** Clear all faults first. */
  clear?: boolean;
}

export interface FaultState {
  dropNextRotation: number;
  delayMs: number;
  failNext: { status: FaultStatus; count: number; retryAfter: number } | null;
}

export interface ReplayResult {
  family: string;
  presented: string;
  status: number;
  body: Record<string, unknown>;
}

export interface StolenRefreshToken {
  family: string;
  refresh_token: string;
  /** Thumbprint of the key a proof must come from; null when the family is not DPoP-bound. */
  jkt: string | null;
}

export interface RevokeResult {
  revokedFamilies: string[];
}

export interface EventFilter {
  type?: string;
  since?: number;
  family?: string;
}

/** In-process control API; mirrored 1:1 over HTTP under /__control/. */
export interface MockControl {
  reset(): void;
  now(): number;
  advanceClock(seconds: number): number;
  families(): FamilyView[];
  family(id: string): FamilyView | undefined;
  events(filter?: EventFilter): MockEvent[];
  faults(spec?: FaultSpec): FaultState;
  rotateKeys(): Promise<{ kid: string }>;
  revokeConsent(sub: string, clientId?: string): RevokeResult;
  requireMfa(sub: string, required?: boolean): RevokeResult;
  replay(family: string, which?: 'previous' | 'current'): Promise<ReplayResult>;
  setItp(enabled: boolean): boolean;
  itpEnabled(): boolean;
  /** The configured users (test server: passwords included). */
  users(): Array<Required<MockUser>>;
  /** Sets the scopes a user declines at consent from now on (`[]` grants everything asked). */
  declineScopes(sub: string, scopes: string[]): { sub: string; declineScopes: string[] };
  /**
   * The family's current refresh token and key binding, as a thief reading the
   * browser's storage would get it (the demo's "steal the refresh token").
   */
  stealRefreshToken(family: string): StolenRefreshToken;
  /** The configured resources (`/api/…`), `/api/private` included. */
  resources(): ResourceView[];
  /**
   * Makes the next `times` (default 1) requests to a resource answer `challenge` (before any check), e.g.
   * `{ path: '/api/orders', challenge: 'insufficient_scope', scope: 'read:orders' }`; `challenge: null` clears it.
   * Returns the pending challenges.
   */
  resourceChallenge(spec: ResourceChallengeSpec): ResourceChallengeState[];
  /** The pending on-demand challenges. */
  resourceChallenges(): ResourceChallengeState[];
  /** Calls `listener` with each new event; returns the unsubscribe function. */
  onEvent(listener: (event: MockEvent) => void): () => void;
}
