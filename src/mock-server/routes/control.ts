import { ControlError } from '../control.js';
import { controlOriginAllowed } from '../control-origin.js';
import type { RouteArgs } from '../context.js';
import { isLoopbackAddress, json, MAX_BODY_BYTES, oauthError, peerOf, PROTOTYPE_KEYS } from '../http.js';
import type { FaultSpec, MockControl, ResourceChallengeSpec } from '../types.js';
import { eventStream } from './control-stream.js';

async function body(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) throw new ControlError('Request body too large');
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ControlError('Body must be JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ControlError('Body must be a JSON object');
  // own data only: prototype keys are dropped (the handlers read named fields)
  return Object.fromEntries(Object.entries(v).filter(([k]) => !PROTOTYPE_KEYS.has(k)));
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ControlError(`${name} must be a string`);
  return v;
}

function optionalNumber(v: string | null, name: string): number | undefined {
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ControlError(`${name} must be a number`);
  return n;
}

/** A path segment, percent-decoded; a malformed escape (`%ZZ`) is the caller's error. */
function segment(m: RegExpExecArray): string {
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    throw new ControlError('Malformed percent-encoding in the path');
  }
}

type Handler = (control: MockControl, req: Request, url: URL, m: RegExpExecArray) => Promise<unknown>;

const ROUTES: Array<[string, RegExp, Handler]> = [
  ['POST', /^reset$/, async (c) => (c.reset(), { ok: true })],
  ['GET', /^clock$/, async (c) => ({ now: c.now() })],
  ['POST', /^clock$/, async (c, req) => ({ now: c.advanceClock((await body(req)).advance as number) })],
  ['GET', /^families$/, async (c) => c.families()],
  ['GET', /^families\/([^/]+)\/refresh-token$/, async (c, _r, _u, m) => c.stealRefreshToken(segment(m))],
  ['GET', /^families\/([^/]+)$/, async (c, _r, _u, m) => c.family(segment(m)) ?? notFound('Unknown family')],
  [
    'GET',
    /^events$/,
    async (c, _r, url) => {
      const q = url.searchParams;
      const since = optionalNumber(q.get('since'), 'since');
      return c.events({
        ...(since !== undefined ? { since } : {}),
        ...(q.get('type') ? { type: q.get('type')! } : {}),
        ...(q.get('family') ? { family: q.get('family')! } : {}),
      });
    },
  ],
  ['GET', /^faults$/, async (c) => c.faults()],
  ['POST', /^faults$/, async (c, req) => c.faults((await body(req)) as FaultSpec)],
  ['POST', /^keys\/rotate$/, async (c) => c.rotateKeys()],
  ['GET', /^users$/, async (c) => c.users()],
  [
    'POST',
    /^users\/([^/]+)\/revoke-consent$/,
    async (c, req, _u, m) => c.revokeConsent(segment(m), optionalString((await body(req)).clientId, 'clientId')),
  ],
  [
    'POST',
    /^users\/([^/]+)\/require-mfa$/,
    async (c, req, _u, m) => {
      const r = (await body(req)).required;
      if (r !== undefined && typeof r !== 'boolean') throw new ControlError('required must be a boolean');
      return c.requireMfa(segment(m), r ?? true);
    },
  ],
  [
    'POST',
    /^users\/([^/]+)\/decline-scopes$/,
    async (c, req, _u, m) => {
      const scopes = (await body(req)).scopes;
      if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new ControlError('scopes must be an array of strings');
      return c.declineScopes(segment(m), scopes as string[]);
    },
  ],
  [
    'POST',
    /^replay$/,
    async (c, req) => {
      const b = await body(req);
      const family = optionalString(b.family, 'family');
      if (!family) throw new ControlError('family is required');
      const which = optionalString(b.which, 'which');
      if (which !== undefined && which !== 'previous' && which !== 'current') throw new ControlError('which must be previous or current');
      return c.replay(family, which);
    },
  ],
  ['GET', /^resources$/, async (c) => c.resources()],
  ['GET', /^resource-challenge$/, async (c) => c.resourceChallenges()],
  [
    'POST',
    /^resource-challenge$/,
    async (c, req) => {
      const b = await body(req);
      if (b.challenge === undefined) throw new ControlError('challenge is required (or null to clear)');
      return c.resourceChallenge(b as unknown as ResourceChallengeSpec);
    },
  ],
  ['GET', /^itp$/, async (c) => ({ enabled: c.itpEnabled() })],
  ['POST', /^itp$/, async (c, req) => ({ enabled: c.setItp((await body(req)).enabled as boolean) })],
];

function notFound(msg: string): never {
  throw new ControlError(msg, 404);
}

/** A POST body must be declared JSON: a cross-site "simple" request (text/plain, form) never gets this far. */
function jsonBodyProblem(req: Request): string | null {
  if (req.method !== 'POST') return null;
  const type = req.headers.get('content-type');
  if (type === null) return req.headers.get('content-length') && req.headers.get('content-length') !== '0' ? 'Content-Type must be application/json' : null;
  return type.split(';')[0]!.trim().toLowerCase() === 'application/json' ? null : 'Content-Type must be application/json';
}

/**
 * The HTTP control API under /__control/, mirroring `control` 1:1.
 * Origin policy: CORS only for loopback origins and `controlOrigins`; a
 * request carrying any other `Origin` is refused before it acts.
 */
export function controlRoute(control: MockControl, extraOrigins: ReadonlySet<string>, allowRemote = false) {
  return async ({ req, url }: RouteArgs): Promise<Response> => {
    // whatever the bind address, only loopback peers (and in-process calls) reach the control API by default
    const peer = peerOf(req);
    if (!allowRemote && peer !== undefined && !isLoopbackAddress(peer)) {
      return oauthError(403, 'access_denied', `The control API answers loopback peers only, not ${peer.slice(0, 64)} (start the server with --allow-remote-control to change it)`);
    }
    const origin = req.headers.get('origin');
    // a cross-site request without Origin is a navigation or a no-cors load from another site's page
    if (origin === null && req.headers.get('sec-fetch-site') === 'cross-site') {
      return oauthError(403, 'access_denied', 'Cross-site requests without an allowed Origin cannot use the control API');
    }
    if (origin !== null && !controlOriginAllowed(origin, extraOrigins)) {
      return oauthError(403, 'access_denied', 'Origin not allowed to use the control API (see --control-origin)', { Vary: 'Origin' });
    }
    const cors: Record<string, string> = origin !== null
      ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type, Last-Event-ID', Vary: 'Origin' }
      : {};
    if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...cors, 'Access-Control-Max-Age': '600' } });
    const path = url.pathname.replace(/^\/__control\//, '');
    if (path === 'events/stream' && req.method === 'GET') return eventStream(control, req, url, cors);
    const problem = jsonBodyProblem(req);
    if (problem) return oauthError(415, 'invalid_request', problem, cors);
    for (const [method, re, handler] of ROUTES) {
      const m = re.exec(path);
      if (!m) continue;
      if (method !== req.method) continue;
      try {
        return json(await handler(control, req, url, m), 200, cors);
      } catch (e) {
        if (e instanceof ControlError) return oauthError(e.status, e.status === 404 ? 'not_found' : 'invalid_request', e.message, cors);
        throw e;
      }
    }
    const known = path === 'events/stream' || ROUTES.some(([, re]) => re.test(path));
    return known
      ? oauthError(405, 'invalid_request', `Method ${req.method} not allowed`, cors)
      : oauthError(404, 'not_found', `Unknown control path: /__control/${path.slice(0, 64)}`, cors);
  };
}
