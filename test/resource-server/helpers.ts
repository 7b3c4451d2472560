/** Shared set-up for the mock resource server's tests: a server with resources, logins, proofs, requests. */
import { createDpopProof, generateDpopKey, type DpopKey } from '../../src/dpop/key.js';
import { createMockServer, type MockResource, type MockServer, type MockServerOptions } from '../../src/mock-server/index.js';
import { signIn, type SignInOptions } from '../../src/testing/index.js';

export const BASE = 'http://localhost';
export const API = 'https://api.rotor.test';
export const OTHER_API = 'https://other-api.rotor.test';
export const MFA_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
export const APP_ORIGIN = 'http://localhost:3000';

export const RESOURCES: MockResource[] = [
  { path: '/api/orders', audience: API, scopes: ['read:orders'] },
  { path: '/api/orders/*', audience: API, scopes: ['read:orders'] },
  { path: '/api/bound', audience: API, dpop: 'required' },
  { path: '/api/mfa', audience: API, acrValues: [MFA_ACR] },
  { path: '/api/recent', audience: API, maxAge: 300 },
];

export function setup(options: MockServerOptions = {}): MockServer {
  return createMockServer({ issuer: `${BASE}/`, resources: RESOURCES, ...options });
}

export const WITH_ORDERS = 'openid profile email offline_access read:orders';

/** A Bearer login for the API (scope `read:orders` included unless `scope` says otherwise). */
export function bearerLogin(server: MockServer, o: SignInOptions = {}) {
  return signIn(server, { audience: API, scope: WITH_ORDERS, ...o });
}

/** A DPoP-bound login for the API. */
export async function boundLogin(server: MockServer, o: SignInOptions = {}) {
  const key = await generateDpopKey();
  const tokens = await signIn(server, { audience: API, scope: WITH_ORDERS, dpopKey: key.pair, ...o });
  return { key, tokens, at: tokens.access_token };
}

export interface ProofOptions {
  url?: string;
  method?: string;
  accessToken?: string;
  nonce?: string;
  /** Seconds to shift the proof's iat from the server clock. */
  skew?: number;
}

/** A proof for `path` on the server clock; every claim can be bent for the negative tests. */
export function proof(server: MockServer, key: DpopKey, path: string, at: string, o: ProofOptions = {}): Promise<string> {
  return createDpopProof(key, {
    url: o.url ?? `${BASE}${path}`,
    method: o.method ?? 'GET',
    accessToken: o.accessToken ?? at,
    ...(o.nonce ? { nonce: o.nonce } : {}),
    now: () => server.control.now() + (o.skew ?? 0) * 1000,
  });
}

export function call(server: MockServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return server.fetch(new Request(`${BASE}${path}`, { method, headers }));
}

export const bearer = (at: string) => ({ Authorization: `Bearer ${at}` });

export async function dpopCall(server: MockServer, key: DpopKey, path: string, at: string, o: ProofOptions = {}): Promise<Response> {
  const method = o.method ?? 'GET';
  return call(server, path, { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, path, at, o) }, method);
}

export const wwwAuth = (res: Response) => res.headers.get('www-authenticate') ?? '';

/** A JWT with its payload changed and the original signature kept. */
export function tamper(jwt: string, change: (claims: Record<string, unknown>) => void): string {
  const [h, p, s] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  change(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}
