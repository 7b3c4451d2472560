import { originAllowed } from './clients.js';
import type { Ctx } from './context.js';
import { oauthError } from './http.js';

export const CORS_ALLOW_HEADERS = 'Content-Type, Auth0-Client, DPoP, Authorization';

/** CORS headers for a client endpoint answer: the Origin is echoed only when some client allows it. */
export function corsHeaders(ctx: Ctx, req: Request, clientId?: string): Record<string, string> {
  const origin = req.headers.get('origin');
  if (!origin) return {};
  const clients = clientId !== undefined ? [ctx.opts.clients.get(clientId)] : [...ctx.opts.clients.values()];
  const ok = clients.some((c) => c !== undefined && originAllowed(c, origin));
  return ok
    ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After, WWW-Authenticate, DPoP-Nonce', Vary: 'Origin' }
    : { Vary: 'Origin' };
}

/** Preflight for the token, revoke and userinfo endpoints. */
export function preflight(ctx: Ctx, req: Request, methods: string): Response {
  const headers = corsHeaders(ctx, req);
  if (!headers['Access-Control-Allow-Origin']) return oauthError(403, 'invalid_request', 'Origin not allowed', headers);
  return new Response(null, {
    status: 204,
    headers: {
      ...headers,
      'Access-Control-Allow-Methods': methods,
      'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
      'Access-Control-Max-Age': '600',
    },
  });
}

/** Copies headers onto a response (Response.error() is returned as is). */
export function withHeaders(res: Response, headers: Record<string, string>): Response {
  if (res.type === 'error') return res;
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}
