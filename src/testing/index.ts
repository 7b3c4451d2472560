/**
 * rotor-auth/testing: sign in against the mock server from Node tests.
 *
 * ```ts
 * const server = createMockServer();
 * const { refresh_token, family } = await signIn(server);
 * ```
 */
import type { FamilyView, MockEvent, MockServer, ResourceChallenge, ResourceChallengeSpec, ResourceChallengeState } from '../mock-server/index.js';
import { createDpopProof, toDpopKey } from '../dpop/key.js';
import { pkcePair, randomString } from './pkce.js';

export interface SignInOptions {
  /** Default `demo` (the default client). */
  clientId?: string;
  /** Sign in as this user (default: the first configured user, `user-1`). */
  sub?: string;
  /** The API (resource server) to ask an access token for. */
  audience?: string;
  /** Default `openid profile email offline_access`. */
  scope?: string;
  /** Default `http://localhost/callback` (accepted by the default client, which allows loopback redirects). */
  redirectUri?: string;
  /**
   * Bind the login to this DPoP key (RFC 9449): the code exchange carries a
   * proof signed with it (dated on the server's clock; one retry with the
   * server's nonce when it asks for one), so the family is bound to the key's
   * thumbprint and the tokens are `DPoP`. Make one with
   * `crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])`.
   */
  dpopKey?: CryptoKeyPair;
}

/** The token endpoint's JSON answer. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

export interface SignInResult extends TokenResponse {
  /** The refresh-token family this login started (null when no refresh token was granted). */
  family: string | null;
}

/** A step of the login that did not go as a real browser's would; `error` is the OAuth code when the server sent one. */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    readonly error: string,
    readonly error_description: string,
  ) {
    super(`${error}: ${error_description}`);
  }
}

/** Where in-process requests go (any origin works in process; a listening server pins the issuer itself). */
const BASE = 'http://localhost';

function origin(server: MockServer): string {
  return server.issuer ? server.issuer.replace(/\/$/, '') : BASE;
}

async function fail(res: Response, step: string): Promise<never> {
  let error = 'sign_in_failed';
  let description = `${step}: HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === 'string') error = body.error;
    if (typeof body.error_description === 'string') description = `${step}: ${body.error_description}`;
  } catch {
    // not JSON: keep the status
  }
  throw new SignInError(error, description);
}

function form(url: string, body: Record<string, string>, cookie?: string): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(body).toString(),
  });
}

/** Reads the authorization response (query) off a redirect to the redirect URI. */
function codeFrom(location: string, state: string): string {
  const p = new URL(location).searchParams;
  const error = p.get('error');
  if (error) throw new SignInError(error, p.get('error_description') ?? 'authorization failed');
  if (p.get('state') !== state) throw new SignInError('state_mismatch', 'the authorization response carried another state');
  const code = p.get('code');
  if (!code) throw new SignInError('sign_in_failed', 'the authorization response carried no code');
  return code;
}

/**
 * A real Authorization Code + PKCE login through `server.fetch`: /authorize,
 * the login form (as `sub`, with the user's own password; the MFA code when
 * MFA is required), the redirect, and the code exchange. Returns the token
 * response and the refresh-token family it started.
 */
export async function signIn(server: MockServer, options: SignInOptions = {}): Promise<SignInResult> {
  const base = origin(server);
  const users = server.control.users();
  const user = options.sub === undefined ? users[0] : users.find((u) => u.sub === options.sub);
  if (!user) throw new SignInError('invalid_request', `no such user: ${String(options.sub)}`);
  const clientId = options.clientId ?? 'demo';
  const redirectUri = options.redirectUri ?? `${BASE}/callback`;
  const { verifier, challenge } = await pkcePair();
  const state = randomString();
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid profile email offline_access',
    state,
    nonce: randomString(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'login',
    ...(options.audience ? { audience: options.audience } : {}),
  });
  const auth = await server.fetch(new Request(`${base}/authorize?${q}`));
  if (auth.status !== 302) return fail(auth, '/authorize');
  let location = auth.headers.get('location')!;
  if (new URL(location).pathname === '/u/login') {
    const txn = new URL(location).searchParams.get('state')!;
    const res = await server.fetch(form(`${base}/u/login`, { state: txn, username: user.username, password: user.password, otp: '123456' }));
    if (res.status !== 302) return fail(res, 'login form');
    location = res.headers.get('location')!;
  }
  const code = codeFrom(location, state);
  const tok = await tokenRequest(
    server,
    { grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri },
    options.dpopKey,
  );
  if (tok.status !== 200) return fail(tok, 'code exchange');
  const body = (await tok.json()) as TokenResponse;
  const signedInAs = body.id_token ? (JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString()) as { sub?: string }).sub : undefined;
  if (signedInAs !== undefined && signedInAs !== user.sub) {
    throw new SignInError('sign_in_failed', `signed in as ${signedInAs}, not ${user.sub} (the server's autoLogin signs everyone in as its user)`);
  }
  const family = body.refresh_token ? familyOf(server, body.refresh_token)?.id ?? null : null;
  return { ...body, family };
}

/** POST /oauth/token, with a DPoP proof from `dpopKey` when given (one retry on `use_dpop_nonce`). */
async function tokenRequest(server: MockServer, fields: Record<string, string>, dpopKey: CryptoKeyPair | undefined): Promise<Response> {
  const url = `${origin(server)}/oauth/token`;
  const key = dpopKey && (await toDpopKey(dpopKey));
  const send = async (nonce?: string) => {
    const req = form(url, fields);
    if (key) req.headers.set('DPoP', await createDpopProof(key, { url, method: 'POST', now: () => server.control.now(), ...(nonce ? { nonce } : {}) }));
    return server.fetch(req);
  };
  const res = await send();
  const nonce = res.headers.get('dpop-nonce');
  if (!key || res.status !== 400 || !nonce || ((await res.clone().json()) as { error?: string }).error !== 'use_dpop_nonce') return res;
  return send(nonce);
}

/** The family a refresh token belongs to. */
export function familyOf(server: MockServer, refreshToken: string): FamilyView | undefined {
  return server.control.families().find((f) => f.tokens.some((t) => t.value === refreshToken));
}

/** Presents a refresh token at the token endpoint, as the SDK does; returns the status and JSON body. */
export async function refresh(
  server: MockServer,
  refreshToken: string,
  options: { clientId?: string; scope?: string; audience?: string; dpopKey?: CryptoKeyPair } = {},
): Promise<{ status: number; body: TokenResponse & { error?: string; error_description?: string } }> {
  const res = await tokenRequest(
    server,
    {
      grant_type: 'refresh_token',
      client_id: options.clientId ?? 'demo',
      refresh_token: refreshToken,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    },
    options.dpopKey,
  );
  return { status: res.status, body: (await res.json()) as TokenResponse };
}

/**
 * Moves the server clock past the access tokens' lifetime (default: the
 * given token response's `expires_in`, else an hour) plus `leeway` seconds
 * (default 60, the SDK's). Returns the seconds advanced.
 */
export function expireAccessTokens(server: MockServer, tokens?: { expires_in: number }, leeway = 60): number {
  const seconds = (tokens?.expires_in ?? 3600) + leeway;
  server.control.advanceClock(seconds);
  return seconds;
}

/**
 * Replays a refresh token that was already rotated out (the family's
 * previous one), as an attacker would. With reuse detection this revokes
 * the whole family; returns the server's answer.
 */
export async function replayRetiredRefreshToken(server: MockServer, family: string): Promise<{ status: number; error?: string; familyStatus: FamilyView['status'] | undefined }> {
  const r = await server.control.replay(family, 'previous');
  return {
    status: r.status,
    ...(typeof r.body.error === 'string' ? { error: r.body.error } : {}),
    familyStatus: server.control.family(family)?.status,
  };
}

/**
 * Makes the next request(s) to a mock resource (a path under `/api/`) answer a standard challenge:
 * `invalid_token`, `insufficient_scope` (`scope`), `use_dpop_nonce` (with a `DPoP-Nonce`) or
 * `insufficient_user_authentication` (`acr_values`, `max_age`). `times` defaults to 1.
 *
 * ```ts
 * challengeResource(server, '/api/orders', 'insufficient_scope', { scope: 'read:orders' });
 * ```
 */
export function challengeResource(
  server: MockServer,
  path: string,
  challenge: ResourceChallenge,
  options: Omit<ResourceChallengeSpec, 'path' | 'challenge'> = {},
): ResourceChallengeState[] {
  return server.control.resourceChallenge({ ...options, path, challenge });
}

/** The `resource_request` events (what each request to a resource presented and got), optionally for one resource path. */
export function resourceRequests(server: MockServer, path?: string): MockEvent[] {
  return server.control.events({ type: 'resource_request' }).filter((e) => path === undefined || e.detail?.resource === path || e.detail?.path === path);
}

export { createTestClient } from './test-client.js';
export type { AuthClientInterface, TestClient, TestClientCall, TestClientOptions, TestFault } from './test-client.js';
