import type { MockServerOptions } from './types.js';

export const USAGE = `Usage: rotor-mock-server [options]
  --port N                 port to listen on (default 4000; 0 picks a free port)
  --host H                 host to bind (default 127.0.0.1)
  --issuer URL             fixed issuer (default: the request's origin + "/")
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
  --https                  serve TLS with a self-signed certificate made at start
  --no-control             do not serve the control API under /__control/
  --config FILE            JSON file with options (clients, users, apis, ...); flags win
  --help                   show this help`;

export interface CliArgs {
  port: number;
  host: string;
  https: boolean;
  config: string | null;
  help: boolean;
  options: MockServerOptions;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const NUMBER_FLAGS: Record<string, keyof MockServerOptions> = {
  'access-token-ttl': 'accessTokenTtl',
  'reuse-interval': 'reuseInterval',
  'idle-ttl': 'idleTtl',
  'absolute-ttl': 'absoluteTtl',
  'max-refresh-tokens': 'maxActiveRefreshTokens',
};

function num(flag: string, v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${flag} needs a non-negative number, got "${v}"`);
  return Number(v);
}

/** Parses argv (`--flag value` or `--flag=value`); unknown flags are errors. */
export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = { port: 4000, host: '127.0.0.1', https: false, config: null, help: false, options: {} };
  const o = out.options as Record<string, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${flag} needs a value`);
      return v;
    };
    const numberKey = NUMBER_FLAGS[flag];
    if (numberKey) {
      o[numberKey] = num(flag, value());
      continue;
    }
    switch (flag) {
      case 'port': {
        const p = num(flag, value());
        if (!Number.isInteger(p) || p > 65535) throw new UsageError(`--port must be an integer 0..65535`);
        out.port = p;
        break;
      }
      case 'host': out.host = value(); break;
      case 'issuer': o.issuer = value(); break;
      case 'client-id': o.clientId = value(); break;
      case 'redirect-uri': o.redirectUris = [...((o.redirectUris as string[] | undefined) ?? []), value()]; break;
      case 'auto-login': o.autoLogin = value(); break;
      case 'error-profile': o.errorProfile = value(); break;
      case 'alg': o.signingAlg = value(); break;
      case 'cookie-samesite': o.cookieSameSite = value(); break;
      case 'itp': o.itp = true; break;
      case 'no-control': o.controlApi = false; break;
      case 'https': out.https = true; break;
      case 'config': out.config = value(); break;
      case 'help': out.help = true; break;
      default:
        throw new UsageError(`unknown option --${flag}`);
    }
  }
  return out;
}
