import type { Ctx, Route, RouteArgs } from './context.js';
import { oauthError } from './http.js';
import { authorize } from './routes/authorize.js';
import { discovery } from './routes/discovery.js';
import { jwks } from './routes/jwks.js';
import { token } from './routes/token.js';
import { resourceApi } from './routes/api.js';
import { findResource } from './resources/options.js';
import { loginPage, loginSubmit } from './routes/login.js';
import { oidcLogout, v2Logout } from './routes/logout.js';
import { revoke } from './routes/revoke.js';
import { userinfo } from './routes/userinfo.js';
import { preflight } from './cors.js';

type Methods = Partial<Record<string, Route>>;

/** What the resources under /api/ answer (the DPoP proof's `htm` must match it). */
const RESOURCE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** The default /api/private stays the GET-only demo API it always was. */
const BUILT_IN_METHODS = ['GET', 'OPTIONS'];

const noContent: Route = async () => new Response(null, { status: 204, headers: { 'Cache-Control': 'max-age=86400' } });

const cors = (methods: string): Route => async ({ ctx, req }) => preflight(ctx, req, methods);

/** The whole server as a fetch handler: `(Request) => Promise<Response>`. */
export function createHandler(ctx: Ctx, control: Route | null, issuerFor: (url: URL) => string) {
  const table: Record<string, Methods> = {
    '/.well-known/openid-configuration': { GET: discovery },
    '/.well-known/jwks.json': { GET: jwks },
    '/authorize': { GET: authorize, POST: authorize },
    '/oauth/token': { POST: token, OPTIONS: cors('POST, OPTIONS') },
    '/oauth/revoke': { POST: revoke, OPTIONS: cors('POST, OPTIONS') },
    '/userinfo': { GET: userinfo, POST: userinfo, OPTIONS: cors('GET, POST, OPTIONS') },
    '/u/login': { GET: loginPage, POST: loginSubmit },
    '/v2/logout': { GET: v2Logout, POST: v2Logout },
    '/oidc/logout': { GET: oidcLogout, POST: oidcLogout },
    '/favicon.ico': { GET: noContent },
  };

  return async function fetch(req: Request): Promise<Response> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return oauthError(400, 'invalid_request', 'Malformed request URL');
    }
    const issuer = issuerFor(url);
    ctx.store.maybeSweep();
    const args: RouteArgs = { req, url, ctx, issuer };
    try {
      if (url.pathname.startsWith('/__control/') && control) return await control(args);
      const resource = url.pathname.startsWith('/api/') ? findResource(ctx.opts.resources, url.pathname) : undefined;
      if (resource) {
        const allowed = resource.builtIn ? BUILT_IN_METHODS : RESOURCE_METHODS;
        if (req.method === 'OPTIONS') return preflight(ctx, req, allowed.join(', '));
        if (!allowed.includes(req.method)) return oauthError(405, 'invalid_request', `Method ${req.method} not allowed`, { Allow: allowed.join(', ') });
        return await resourceApi(args, resource);
      }
      const methods = table[url.pathname];
      if (!methods) return oauthError(404, 'not_found', `Not found: ${url.pathname.slice(0, 128)}`);
      const route = methods[req.method];
      if (!route) {
        return oauthError(405, 'invalid_request', `Method ${req.method} not allowed`, { Allow: Object.keys(methods).join(', ') });
      }
      return await route(args);
    } catch (e) {
      // Never expected: every route answers bad input itself. Report without leaking internals.
      const msg = e instanceof Error ? e.message : String(e);
      return oauthError(500, 'server_error', `Internal error: ${msg.slice(0, 200)}`);
    }
  };
}
