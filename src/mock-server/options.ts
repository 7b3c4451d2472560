import type {
  CookieSameSite,
  ErrorProfile,
  MockApi,
  MockClient,
  MockServerOptions,
  MockUser,
  SigningAlg,
} from './types.js';

/** Options resolved once into a strict internal form. */
export interface ResolvedOptions {
  issuer: string | null;
  clients: Map<string, Required<MockClient>>;
  users: Map<string, Required<MockUser>>;
  apis: Map<string, Required<MockApi>>;
  autoLogin: string | null;
  accessTokenTtl: number;
  idTokenTtl: number;
  reuseInterval: number;
  idleTtl: number;
  absoluteTtl: number;
  maxActiveRefreshTokens: number;
  codeTtl: number;
  sessionTtl: number;
  errorProfile: ErrorProfile;
  itp: boolean;
  cookieSameSite: CookieSameSite;
  signingAlg: SigningAlg;
  controlApi: boolean;
  maxEvents: number;
}

export const DEFAULT_CLIENT_ID = 'demo';
export const DEFAULT_APIS: MockApi[] = [
  { identifier: 'https://api.rotor.test', allowOfflineAccess: true },
  { identifier: 'https://other-api.rotor.test', allowOfflineAccess: true },
  { identifier: 'https://no-offline.rotor.test', allowOfflineAccess: false },
];
export const DEFAULT_USER: MockUser = {
  sub: 'user-1',
  username: 'demo',
  password: 'demo',
  name: 'Demo User',
  email: 'demo@rotor.test',
  emailVerified: true,
};

const KNOWN = new Set([
  'issuer', 'clients', 'users', 'apis', 'clientId', 'redirectUris', 'autoLogin', 'accessTokenTtl',
  'idTokenTtl', 'reuseInterval', 'idleTtl', 'absoluteTtl', 'maxActiveRefreshTokens', 'codeTtl',
  'sessionTtl', 'errorProfile', 'itp', 'cookieSameSite', 'signingAlg', 'controlApi', 'maxEvents',
]);

function fail(msg: string): never {
  throw new TypeError(`rotor-auth mock server: ${msg}`);
}

function seconds(name: string, v: number | undefined, def: number, min = 0): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(`${name} must be a number >= ${min} (seconds), got ${String(v)}`);
  return v;
}

function count(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1) fail(`${name} must be an integer >= 1, got ${String(v)}`);
  return v;
}

function oneOf<T extends string>(name: string, v: T | undefined, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!allowed.includes(v)) fail(`${name} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  return v;
}

function origin(name: string, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return fail(`${name}: not a URL: ${v}`);
  }
  return u.origin;
}

function resolveClient(c: MockClient): Required<MockClient> {
  if (!c || typeof c.clientId !== 'string' || !c.clientId) fail('every client needs a clientId');
  for (const u of c.redirectUris ?? []) origin(`client ${c.clientId} redirectUris`, u);
  return {
    clientId: c.clientId,
    name: c.name ?? c.clientId,
    redirectUris: [...(c.redirectUris ?? [])],
    allowLoopbackRedirects: c.allowLoopbackRedirects ?? false,
    redirectOrigins: (c.redirectOrigins ?? []).map((o) => origin(`client ${c.clientId} redirectOrigins`, o)),
    webOrigins: (c.webOrigins ?? []).map((o) => origin(`client ${c.clientId} webOrigins`, o)),
    allowedLogoutUrls: [...(c.allowedLogoutUrls ?? [])],
  };
}

function resolveUser(u: MockUser): Required<MockUser> {
  if (!u || typeof u.sub !== 'string' || !u.sub) fail('every user needs a sub');
  if (typeof u.username !== 'string' || typeof u.password !== 'string') fail(`user ${u.sub} needs a username and a password`);
  return {
    sub: u.sub,
    username: u.username,
    password: u.password,
    name: u.name ?? u.username,
    email: u.email ?? `${u.username}@rotor.test`,
    emailVerified: u.emailVerified ?? true,
  };
}

function resolveApi(a: MockApi): Required<MockApi> {
  if (!a || typeof a.identifier !== 'string' || !a.identifier) fail('every API needs an identifier');
  if (typeof a.allowOfflineAccess !== 'boolean') fail(`API ${a.identifier}: allowOfflineAccess must be a boolean`);
  return {
    identifier: a.identifier,
    allowOfflineAccess: a.allowOfflineAccess,
    accessTokenTtl: seconds(`API ${a.identifier} accessTokenTtl`, a.accessTokenTtl, 0, 0),
  };
}

function byKey<T, K extends keyof T>(items: T[], key: K): Map<T[K], T> {
  const m = new Map<T[K], T>();
  for (const it of items) {
    if (m.has(it[key])) fail(`duplicate ${String(key)}: ${String(it[key])}`);
    m.set(it[key], it);
  }
  return m;
}

export function resolveOptions(o: MockServerOptions = {}): ResolvedOptions {
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) fail(`unknown option "${k}"`);
  if (o.issuer !== undefined) {
    origin('issuer', o.issuer);
    if (!o.issuer.endsWith('/')) fail(`issuer must end with "/", got ${o.issuer}`);
  }
  const clients = o.clients
    ? o.clients.map(resolveClient)
    : [
        resolveClient({
          clientId: o.clientId ?? DEFAULT_CLIENT_ID,
          name: 'Demo SPA',
          redirectUris: o.redirectUris ?? [],
          allowLoopbackRedirects: true,
          redirectOrigins: ['https://app.rotor.test'],
        }),
      ];
  const users = (o.users ?? [DEFAULT_USER]).map(resolveUser);
  const apis = (o.apis ?? DEFAULT_APIS).map(resolveApi);
  const r: ResolvedOptions = {
    issuer: o.issuer ?? null,
    clients: byKey(clients, 'clientId'),
    users: byKey(users, 'sub'),
    apis: byKey(apis, 'identifier'),
    autoLogin: o.autoLogin ?? null,
    accessTokenTtl: seconds('accessTokenTtl', o.accessTokenTtl, 3600, 1),
    idTokenTtl: seconds('idTokenTtl', o.idTokenTtl, 36000, 1),
    reuseInterval: seconds('reuseInterval', o.reuseInterval, 0),
    idleTtl: seconds('idleTtl', o.idleTtl, 15 * 86400, 1),
    absoluteTtl: seconds('absoluteTtl', o.absoluteTtl, 30 * 86400, 1),
    maxActiveRefreshTokens: count('maxActiveRefreshTokens', o.maxActiveRefreshTokens, 200),
    codeTtl: seconds('codeTtl', o.codeTtl, 60, 1),
    sessionTtl: seconds('sessionTtl', o.sessionTtl, 3 * 86400, 1),
    errorProfile: oneOf('errorProfile', o.errorProfile, ['auth0', 'rfc'] as const, 'auth0'),
    itp: o.itp ?? false,
    cookieSameSite: oneOf('cookieSameSite', o.cookieSameSite, ['None', 'Lax'] as const, 'None'),
    signingAlg: oneOf('signingAlg', o.signingAlg, ['RS256', 'ES256'] as const, 'RS256'),
    controlApi: o.controlApi ?? true,
    maxEvents: count('maxEvents', o.maxEvents, 10000),
  };
  if (r.autoLogin !== null && !r.users.has(r.autoLogin)) fail(`autoLogin: unknown user ${r.autoLogin}`);
  return r;
}
