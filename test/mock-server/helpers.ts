import { createHash, randomBytes } from 'node:crypto';
import { createMockServer, type MockServer, type MockServerOptions } from '../../src/mock-server/index.js';

export const ORIGIN = 'http://127.0.0.1:4000';
export const ISSUER = `${ORIGIN}/`;
export const REDIRECT = 'http://localhost:3000/callback';
export const CLIENT = 'demo';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function server(opts: MockServerOptions = {}): MockServer {
  return createMockServer({ autoLogin: 'user-1', ...opts });
}

export function get(s: MockServer, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return s.fetch(new Request(`${ORIGIN}${path}`, { headers }));
}

export function postForm(s: MockServer, path: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return s.fetch(
    new Request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body).toString(),
    }),
  );
}

export function postJson(s: MockServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return s.fetch(new Request(`${ORIGIN}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) }));
}

export interface AuthorizeParams {
  [k: string]: string | undefined;
}

export function authorizeUrl(params: AuthorizeParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `/authorize?${q.toString()}`;
}

/** Runs /authorize with a fresh PKCE pair; returns the redirect's parameters. */
export async function authorize(
  s: MockServer,
  extra: AuthorizeParams = {},
  headers: Record<string, string> = {},
): Promise<{ res: Response; params: URLSearchParams; verifier: string; location: string }> {
  const { verifier, challenge } = pkce();
  const res = await get(
    s,
    authorizeUrl({
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid profile email offline_access',
      audience: 'https://api.rotor.test',
      state: 'st-1',
      nonce: 'n-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    }),
    headers,
  );
  const location = res.headers.get('location') ?? '';
  const params = location ? new URL(location).searchParams : new URLSearchParams();
  return { res, params, verifier, location };
}

export async function exchange(s: MockServer, code: string, verifier: string, extra: Record<string, string> = {}): Promise<Response> {
  return postForm(s, '/oauth/token', {
    grant_type: 'authorization_code',
    client_id: CLIENT,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    ...extra,
  });
}

export interface TokenBody {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope: string;
  token_type: string;
  error?: string;
  error_description?: string;
}

/** Login through /authorize (autoLogin) and exchange the code. */
export async function login(s: MockServer, extra: AuthorizeParams = {}): Promise<TokenBody> {
  const { params, verifier } = await authorize(s, extra);
  const code = params.get('code');
  if (!code) throw new Error(`no code: ${params.toString()}`);
  const res = await exchange(s, code, verifier);
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenBody;
}

export async function refresh(s: MockServer, refreshToken: string, extra: Record<string, string> = {}): Promise<{ status: number; body: TokenBody }> {
  const res = await postForm(s, '/oauth/token', { grant_type: 'refresh_token', client_id: CLIENT, refresh_token: refreshToken, ...extra });
  return { status: res.status, body: (await res.json()) as TokenBody };
}

/** The cookie pairs (`name=value`) a response sets, joined for a `Cookie` header. */
export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ');
}

/** A server listening on a free loopback port, and `fetch` against it over real HTTP (no redirects followed). */
export async function serve(opts: MockServerOptions = {}, host = '127.0.0.1') {
  const s = createMockServer(opts);
  const l = await s.listen(0, host);
  const call = (path: string, init: RequestInit = {}) => globalThis.fetch(`${l.url}${path}`, { redirect: 'manual', ...init });
  return { s, url: l.url, close: l.close, fetch: call };
}

/** The login-binding cookie (`rotor_login=…`) an /authorize redirect to the login form sets; POST /u/login needs it. */
export function loginCookie(res: Response): Record<string, string> {
  const c = res.headers.getSetCookie().find((v) => v.startsWith('rotor_login='));
  return c ? { Cookie: c.split(';')[0]! } : {};
}
