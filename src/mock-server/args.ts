import { parseArgs as parseNodeArgs } from 'node:util';
import type { MockServerOptions } from './types.js';

export const USAGE = `Usage: rotor-mock-server [options]
  --port N                 port to listen on (default 4000; 0 picks a free port)
  --host H                 host to bind (default 127.0.0.1)
  --issuer URL             fixed issuer (default: the bound address, http(s)://HOST:PORT/)
  --client-id ID           name of the default public client (default demo)
  --redirect-uri URL       extra exact redirect URI for the default client (repeatable)
  --auto-login SUB         sign SUB in at /authorize without the login form
  --access-token-ttl S     access-token lifetime in seconds (default 3600)
  --reuse-interval S       refresh-token reuse interval in seconds (default 0: off)
  --idle-ttl S             refresh-token inactivity lifetime in seconds (default 1296000)
  --absolute-ttl S         refresh-token absolute lifetime in seconds (default 2592000)
  --max-refresh-tokens N   active refresh tokens per user per client (default 200)
  --error-profile P        auth0 (403 on invalid_grant, default) or rfc (400)
  --alg A                  RS256 (default) or ES256
  --cookie-samesite V      None (default, with Secure) or Lax
  --itp                    ignore the session cookie on cross-site iframe requests
  --dpop MODE              DPoP at the token endpoint: off, optional (default) or required
  --dpop-nonce             require server-issued DPoP nonces (rotated every 300 s)
  --https                  serve TLS with a self-signed certificate made at start
  --control-origin ORIGIN  a non-loopback origin allowed to use the control API (repeatable)
  --private-api-audience ID  the API whose tokens /api/private accepts (default: the first API)
  --resource JSON          a resource server under /api/ (repeatable), e.g.
                           '{"path":"/api/orders","audience":"https://api.rotor.test","scopes":["read:orders"],"dpop":"required"}'
  --allow-remote-control   serve the control API to non-loopback peers too (default: loopback peers only)
  --no-control             do not serve the control API under /__control/
  --quiet                  do not print authorization errors (one line each by default)
  --config FILE            JSON file with options (clients, users, apis, ...); flags win
  --help                   show this help`;

export interface CliArgs {
  port: number;
  host: string;
  https: boolean;
  config: string | null;
  help: boolean;
  /** `--quiet`: no authorization-error lines in the terminal. */
  quiet: boolean;
  options: MockServerOptions;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const NUMBER_FLAGS = {
  'access-token-ttl': 'accessTokenTtl',
  'reuse-interval': 'reuseInterval',
  'idle-ttl': 'idleTtl',
  'absolute-ttl': 'absoluteTtl',
  'max-refresh-tokens': 'maxActiveRefreshTokens',
} as const;

const STRING_FLAGS = {
  issuer: 'issuer',
  'client-id': 'clientId',
  'auto-login': 'autoLogin',
  'error-profile': 'errorProfile',
  alg: 'signingAlg',
  'cookie-samesite': 'cookieSameSite',
  dpop: 'dpop',
  'private-api-audience': 'privateApiAudience',
} as const;

const s = { type: 'string' } as const;
const b = { type: 'boolean' } as const;
const CONFIG = {
  port: s, host: s, https: b, config: s, help: b, itp: b, 'no-control': b, 'dpop-nonce': b, 'allow-remote-control': b, quiet: b,
  'redirect-uri': { type: 'string', multiple: true },
  'control-origin': { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((k) => [k, s])),
  ...Object.fromEntries(Object.keys(STRING_FLAGS).map((k) => [k, s])),
} as const;

function num(flag: string, v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${flag} needs a non-negative number, got "${v}"`);
  return Number(v);
}

/** Parses argv (`--flag value` or `--flag=value`) with node:util parseArgs; unknown flags are errors. */
export function parseArgs(argv: string[]): CliArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseNodeArgs({ args: argv, options: CONFIG, strict: true, allowPositionals: false }));
  } catch (e) {
    // node's messages name the flag: "Unknown option '--x'", "Option '--port <value>' argument missing"
    const err = e as Error & { code?: string };
    const flag = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${flag}`);
    if (/does not take an argument/.test(err.message)) throw new UsageError(`${flag} takes no value`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag} needs a value`);
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument "${/'([^']*)'/.exec(err.message)?.[1] ?? ''}"`);
    throw new UsageError(err.message);
  }
  const out: CliArgs = { port: 4000, host: '127.0.0.1', https: !!values.https, config: null, help: !!values.help, quiet: !!values.quiet, options: {} };
  const o = out.options as Record<string, unknown>;
  if (typeof values.port === 'string') {
    const p = num('port', values.port);
    if (!Number.isInteger(p) || p > 65535) throw new UsageError(`--port must be an integer 0..65535`);
    out.port = p;
  }
  if (typeof values.host === 'string') out.host = values.host;
  if (typeof values.config === 'string') out.config = values.config;
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const v = values[flag];
    if (typeof v === 'string') o[key] = num(flag, v);
  }
  for (const [flag, key] of Object.entries(STRING_FLAGS)) {
    const v = values[flag];
    if (typeof v === 'string') o[key] = v;
  }
  if (Array.isArray(values['redirect-uri'])) o.redirectUris = values['redirect-uri'];
  if (Array.isArray(values['control-origin'])) o.controlOrigins = values['control-origin'];
  if (Array.isArray(values.resource)) {
    o.resources = values.resource.map((v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        throw new UsageError(`--resource needs a JSON object like {"path":"/api/orders","audience":"https://api.rotor.test"}, got ${v.slice(0, 80)}`);
      }
    });
  }
  if (values.itp) o.itp = true;
  if (values['dpop-nonce']) o.dpopNonce = true;
  if (values['no-control']) o.controlApi = false;
  if (values['allow-remote-control']) o.allowRemoteControl = true;
  return out;
}
