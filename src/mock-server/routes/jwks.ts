import { json } from '../http.js';
import type { RouteArgs } from '../context.js';

/** The public signing keys: the current one first, then recently retired ones. */
export async function jwks({ ctx }: RouteArgs): Promise<Response> {
  return json(await ctx.keys.jwks(), 200, { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' });
}
