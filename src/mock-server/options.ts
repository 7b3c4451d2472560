import { bool, count, describe, fail, list, MockOptionsError, obj, oneOf, optStr, origin, seconds, str } from './option-checks.js';
import { resolveResources, type ResolvedResource } from './resources/options.js';
import { resolveDpopOptions, type DpopNonceOptions, type DpopSettings } from './dpop/options.js';
import type {
  CookieSameSite,
  ErrorProfile,
  MockApi,
  MockClient,
  MockServerOptions,
  MockSigningKey,
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
  controlOrigins: ReadonlySet<string>;
  allowRemoteControl: boolean;
  onLog: ((line: string) => void) | null;
  privateApiAudience: string | null;
  keys: MockSigningKey[] | null;
  dpop: DpopSettings;
  /** The resources under /api/ (`/api/private` included), most specific path first. */
  resources: ResolvedResource[];
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
  'controlOrigins', 'allowRemoteControl', 'onLog', 'privateApiAudience', 'keys', 'dpop', 'dpopNonce', 'dpopIatWindow', 'resources',
]);

export { MockOptionsError };

/** Config keys people copy from the command line: they are flags, not options. */
const CLI_ONLY: Record<string, string> = { port: '--port', host: '--host', https: '--https', config: '--config', help: '--help' };

function resolveClient(f: string, raw: unknown): Required<MockClient> {
  const c = obj(f, raw);
  const clientId = str(`${f}.clientId`, c.clientId);
  const urls = (k: string) => list(`${f}.${k}`, c[k], (n, x) => (origin(n, x), x as string)) ?? [];
  return {
    clientId,
    name: optStr(`${f}.name`, c.name) ?? clientId,
    redirectUris: urls('redirectUris'),
    allowLoopbackRedirects: bool(`${f}.allowLoopbackRedirects`, c.allowLoopbackRedirects, false),
    redirectOrigins: list(`${f}.redirectOrigins`, c.redirectOrigins, origin) ?? [],
    webOrigins: list(`${f}.webOrigins`, c.webOrigins, origin) ?? [],
    allowedLogoutUrls: urls('allowedLogoutUrls'),
  };
}

function resolveUser(f: string, raw: unknown): Required<MockUser> {
  const u = obj(f, raw);
  const username = str(`${f}.username`, u.username);
  if (typeof u.password !== 'string') fail(`${f}.password`, `expected a string, got ${describe(u.password)}`);
  return {
    sub: str(`${f}.sub`, u.sub),
    username,
    password: u.password,
    name: optStr(`${f}.name`, u.name) ?? username,
    email: optStr(`${f}.email`, u.email) ?? `${username}@rotor.test`,
    emailVerified: bool(`${f}.emailVerified`, u.emailVerified, true),
    declineScopes: list(`${f}.declineScopes`, u.declineScopes, str) ?? [],
  };
}

function resolveApi(f: string, raw: unknown): Required<MockApi> {
  const a = obj(f, raw);
  return {
    identifier: str(`${f}.identifier`, a.identifier),
    allowOfflineAccess: bool(`${f}.allowOfflineAccess`, a.allowOfflineAccess ?? null, false),
    accessTokenTtl: seconds(`${f}.accessTokenTtl`, a.accessTokenTtl, 0, 0),
  };
}

function resolveKey(f: string, raw: unknown): MockSigningKey {
  const k = obj(f, raw);
  const jwk = obj(`${f}.privateJwk`, k.privateJwk);
  str(`${f}.privateJwk.kid`, jwk.kid);
  str(`${f}.privateJwk.d`, jwk.d);
  return { privateJwk: jwk as unknown as MockSigningKey['privateJwk'] };
}

function byKey<T, K extends keyof T>(field: string, items: T[], key: K): Map<T[K], T> {
  const m = new Map<T[K], T>();
  for (const it of items) {
    if (m.has(it[key])) fail(field, `duplicate ${String(key)} ${String(it[key])}`);
    m.set(it[key], it);
  }
  return m;
}

function resolveDpop(o: Record<string, unknown>): DpopSettings {
  const mode = oneOf('dpop', o.dpop, ['off', 'optional', 'required'] as const, 'optional');
  const n = o.dpopNonce;
  if (n !== undefined && typeof n !== 'boolean') obj('dpopNonce', n);
  const rotation = typeof n === 'object' && n !== null ? seconds('dpopNonce.rotation', (n as DpopNonceOptions).rotation, 300, 1) : undefined;
  const iatWindow = seconds('dpopIatWindow', o.dpopIatWindow, 300, 1);
  return resolveDpopOptions({ mode, nonce: rotation !== undefined ? { rotation } : n === true, iatWindow });
}

function logger(v: unknown): ((line: string) => void) | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'function') fail('onLog', 'expected a function (line: string) => void');
  return v as (line: string) => void;
}

export function resolveOptions(input: MockServerOptions = {}): ResolvedOptions {
  const o = obj('options', input) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (CLI_ONLY[k]) fail(k, `is a command-line flag (${CLI_ONLY[k]}), not an option: pass it to rotor-mock-server, or to listen()`);
    if (!KNOWN.has(k)) fail(k, `unknown option (known: ${[...KNOWN].join(', ')})`);
  }
  let issuer: string | null = null;
  if (o.issuer !== undefined) {
    const iss = str('issuer', o.issuer);
    origin('issuer', iss);
    if (!iss.endsWith('/')) fail('issuer', `must end with "/", got ${describe(iss)}`);
    issuer = iss;
  }
  const clients =
    list('clients', o.clients, resolveClient) ??
    [
      resolveClient(
        'clientId',
        {
          clientId: optStr('clientId', o.clientId) ?? DEFAULT_CLIENT_ID,
          name: 'Demo SPA',
          redirectUris: list('redirectUris', o.redirectUris, str) ?? [],
          allowLoopbackRedirects: true,
          redirectOrigins: ['https://app.rotor.test'],
        },
      ),
    ];
  const users = list('users', o.users, resolveUser) ?? [resolveUser('users', DEFAULT_USER)];
  const apis = list('apis', o.apis, resolveApi) ?? DEFAULT_APIS.map((a, i) => resolveApi(`apis[${i}]`, a));
  const signingAlg = oneOf('signingAlg', o.signingAlg, ['RS256', 'ES256'] as const, 'RS256');
  const keys = list('keys', o.keys, resolveKey) ?? null;
  if (keys && keys.length === 0) fail('keys', 'expected at least one key');
  const r: ResolvedOptions = {
    issuer,
    clients: byKey('clients', clients, 'clientId'),
    users: byKey('users', users, 'sub'),
    apis: byKey('apis', apis, 'identifier'),
    autoLogin: optStr('autoLogin', o.autoLogin) ?? null,
    accessTokenTtl: seconds('accessTokenTtl', o.accessTokenTtl, 3600, 1),
    idTokenTtl: seconds('idTokenTtl', o.idTokenTtl, 36000, 1),
    reuseInterval: seconds('reuseInterval', o.reuseInterval, 0),
    idleTtl: seconds('idleTtl', o.idleTtl, 15 * 86400, 1),
    absoluteTtl: seconds('absoluteTtl', o.absoluteTtl, 30 * 86400, 1),
    maxActiveRefreshTokens: count('maxActiveRefreshTokens', o.maxActiveRefreshTokens, 200),
    codeTtl: seconds('codeTtl', o.codeTtl, 60, 1),
    sessionTtl: seconds('sessionTtl', o.sessionTtl, 3 * 86400, 1),
    errorProfile: oneOf('errorProfile', o.errorProfile, ['auth0', 'rfc'] as const, 'auth0'),
    itp: bool('itp', o.itp, false),
    cookieSameSite: oneOf('cookieSameSite', o.cookieSameSite, ['None', 'Lax'] as const, 'None'),
    signingAlg,
    controlApi: bool('controlApi', o.controlApi, true),
    maxEvents: count('maxEvents', o.maxEvents, 10000),
    controlOrigins: new Set(list('controlOrigins', o.controlOrigins, origin) ?? []),
    onLog: logger(o.onLog),
    allowRemoteControl: bool('allowRemoteControl', o.allowRemoteControl, false),
    privateApiAudience: optStr('privateApiAudience', o.privateApiAudience) ?? apis[0]?.identifier ?? null,
    keys,
    dpop: resolveDpop(o),
    resources: [],
  };
  if (r.autoLogin !== null && !r.users.has(r.autoLogin)) fail('autoLogin', `unknown user ${r.autoLogin}`);
  if (r.privateApiAudience !== null && !r.apis.has(r.privateApiAudience)) fail('privateApiAudience', `not one of apis: ${r.privateApiAudience}`);
  r.resources = resolveResources(o.resources, r.apis, r.privateApiAudience);
  return r;
}
