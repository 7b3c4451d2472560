import { checkAuthorizationResponse, type AuthorizationResponse } from './callback.js';
import { str } from '../shape.js';
import type { Endpoints } from '../protocol/endpoints.js';
import { ConfigurationError } from '../errors.js';
import { mustBe } from '../shape.js';
import { verifyIdToken, type JwksCache } from '../protocol/id-token.js';
import { normalizeScope, type AuthorizationParams } from '../protocol/scope.js';
import { randomString, s256Challenge } from '../protocol/pkce.js';
import { withQuery } from './logout.js';
import { processTokenResponse, type DpopHttp } from '../protocol/token-endpoint.js';
import { request } from '../protocol/http.js';
import type { Dpop } from '../dpop/client.js';
import type { Transaction } from './transaction.js';
import type { Clock } from '../protocol/clock.js';
import type { LoginCommit } from '../session/family-lock.js';
import { DEFAULT_AUDIENCE, type AccessEntry } from '../cache/token-store.js';

/**
 * The authorization-code flow shared by redirect, popup and iframe:
 * prepareAuthorization builds the /authorize URL and its transaction;
 * completeAuthorization checks the response, exchanges the code, verifies the
 * ID token and only then hands the tokens to the family owner's commit.
 */
/** Why a login may return no refresh token although `useRefreshTokens` is on, and the fixes. */
export const NO_REFRESH_TOKEN_HINT =
  "the login returned no refresh token (API without offline access? strict providers: prompt 'consent')";

/** What the flow reads of the client's resolved options. */
export interface FlowOptions {
  clientId: string;
  /** Default parameters of every /authorize request. */
  authorizationParams: AuthorizationParams;
  /** Default scope, normalised. */
  scope: string;
  useRefreshTokens: boolean;
  /** Seconds of clock skew tolerated in the ID token check. */
  leeway: number;
}

export interface FlowContext {
  options: FlowOptions;
  endpoints: () => Promise<Endpoints>;
  jwks: JwksCache;
  clock: Clock;
  /** The family owner's commit (FamilyLock.commitLogin): the one write path for login. */
  commit: (c: LoginCommit) => Promise<AccessEntry>;
  /** useDpop: a key per login, made here for the code exchange. */
  dpop?: Dpop;
  /** Each request to the authorization server (httpTimeoutInSeconds in ms). */
  timeoutMs: number;
}

/** A non-empty string, else undefined. */
const text = (v: unknown): string | undefined => (str(v) ? v : undefined);

function defaultRedirectUri(): string {
  const origin = (globalThis as { location?: Location }).location?.origin;
  if (!origin || origin === 'null') throw new ConfigurationError('No page origin: set authorizationParams.redirect_uri');
  return origin;
}

function parseMaxAge(value: AuthorizationParams['max_age']): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) mustBe(ConfigurationError, 'authorizationParams.max_age', 'an integer >= 0', value);
  return n;
}

export async function prepareAuthorization(
  ctx: FlowContext,
  callParams: AuthorizationParams | undefined,
  /** Fixed parameters (response_mode=web_message, prompt=none) that override the caller's. */
  force?: AuthorizationParams,
  appState?: unknown,
): Promise<{ url: string; tx: Transaction }> {
  const { options } = ctx;
  const params: AuthorizationParams = { ...options.authorizationParams, ...callParams, ...force };
  const scope = normalizeScope(options.scope, callParams?.scope);
  const redirectUri = text(params.redirect_uri) ?? defaultRedirectUri();
  const audience = text(params.audience);
  const maxAge = parseMaxAge(params.max_age);
  const codeVerifier = randomString();
  const state = randomString();
  const nonce = randomString();
  const tx: Transaction = {
    state,
    nonce,
    codeVerifier,
    redirectUri,
    scope,
    createdAt: Date.now(),
    // absent ones stay undefined (left out of the stored JSON)
    audience,
    maxAge,
    appState,
  };

  const endpoints = await ctx.endpoints();
  const url = new URL(endpoints.authorization);
  const query: Record<string, unknown> = {
    ...params,
    audience,
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await s256Challenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  return { url: withQuery(url, query), tx };
}

export async function completeAuthorization(
  ctx: FlowContext,
  tx: Transaction,
  response: AuthorizationResponse,
  /** A fresh login: whatever the cache held for this client is replaced. */
  replaceSession: boolean,
): Promise<AccessEntry> {
  const { options, timeoutMs, dpop } = ctx;
  const endpoints = await ctx.endpoints();
  // tx carries the appState
  const code = checkAuthorizationResponse(response, tx, endpoints);
  const run = (http?: DpopHttp) =>
    request(
      endpoints.token,
      { timeoutMs, ...http },
      { grant_type: 'authorization_code', client_id: options.clientId, code, code_verifier: tx.codeVerifier, redirect_uri: tx.redirectUri },
    );
  // DPoP: the login's key is made right before the exchange (a use_dpop_nonce answer does not consume the code).
  const dpopKey = dpop && (await dpop.newKey());
  const { body } = await (dpopKey ? dpop.send(dpopKey, endpoints.token, run) : run());
  const tokens = processTokenResponse(body, true, dpopKey) // the login scope always has openid (effectiveScope);
  // required above; options: clientId, leeway; ctx: jwks, clock; tx: nonce, maxAge; endpoints: issuer (over the option's)
  const claims = await verifyIdToken(tokens.id_token!, { ...options, ...ctx, ...tx, ...endpoints });

  if (options.useRefreshTokens && !tokens.refresh_token) console.warn(`rotor-auth: ${NO_REFRESH_TOKEN_HINT}`);
  // Everything checked: now write.
  return ctx.commit({
    tokens,
    claims,
    audience: tx.audience ?? DEFAULT_AUDIENCE,
    scope: tx.scope,
    replaceSession,
    newFamilyId: randomString(16),
    dpopKey, // undefined without useDpop
  });
}
