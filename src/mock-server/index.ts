/**
 * rotor-auth mock OAuth 2.0 / OpenID Connect authorization server.
 *
 * ```ts
 * const server = createMockServer({ autoLogin: 'user-1', reuseInterval: 10 });
 * const res = await server.fetch(new Request('http://127.0.0.1:4000/.well-known/openid-configuration'));
 * const { url, close } = await server.listen(0);   // node:http on a free port
 * ```
 *
 * Shapes (all times are milliseconds on the server clock, `Date.now()` +
 * the control offset; JWT claims use seconds):
 *
 * - Family (`control.families()`, `GET /__control/families`): `{ id, sub,
 *   clientId, audience, scope, status: 'active'|'revoked'|'expired', reason,
 *   createdAt, absoluteExpiresAt, idleExpiresAt, lastUsedAt, rotations,
 *   tokens: [{ value, state: 'current'|'rotated'|'revoked', issuedAt,
 *   rotatedAt }], jkt }` (`jkt`: the DPoP key thumbprint it is bound to, or null). One family per code exchange that granted
 *   `offline_access`; tokens are in issue order, the last one is the current
 *   one. Reasons: `reuse_detected`, `revoked` (RFC 7009), `code_replayed`,
 *   `limit` (the oldest over the 200 cap), `consent_revoked`, `mfa_required`,
 *   `idle`, `absolute`.
 * - Event (`control.events({ since?, type?, family? })`, `GET
 *   /__control/events?since=&type=&family=`): `{ seq, type, at, family?,
 *   sub?, clientId?, grant_type?, status?, error?, reason?, replay?, detail? }`.
 *   Every POST /oauth/token emits `token_request` (with `grant_type`, and
 *   `status`/`error`/`family` filled in when it completes), malformed ones
 *   included. Other types: `refresh_token.rotated`,
 *   `refresh_token.reuse_detected`, `refresh_token.reuse_interval`,
 *   `refresh_token.revoked`, `family.created`, `family.revoked`,
 *   `family.expired`, `code.issued`, `code.replayed`, `authorize`, `login`,
 *   `logout`, `consent.revoked`, `mfa.required`, `keys.rotated`,
 *   `fault.applied`, `clock.advanced`, `dpop.rejected`, `resource_request`, `reset`. The log keeps the last
 *   `maxEvents` (10000). `token_request`, `authorize` (with
 *   `detail.prompt` and `detail.response_mode`) and `resource_request` (each request to a resource
 *   under /api/: `status`, `error`, `sub`, `clientId`, `family` of a verified token, `detail: { resource,
 *   path, method, scheme, proof, proofNonce, onDemand, scope?, aud?, jkt? }`) log requests: a rejected
 *   request may add those, but changes nothing else.
 * - Faults (`control.faults(spec)`, `POST /__control/faults`), acting on
 *   POST /oauth/token only: `{ dropNextRotation?: n|true, delayMs?,
 *   failNext?: { status: 429|500|503, count?, retryAfter? }, clear? }`.
 *   A dropped rotation is applied first, then `fetch` resolves
 *   `Response.error()` (the node bridge destroys the socket). `failNext`
 *   answers before the grant runs, so it changes nothing.
 *   Returns the current `{ dropNextRotation, delayMs, failNext }`.
 * - Control (in process ↔ HTTP under /__control/; CORS and any request
 *   carrying an `Origin` only for loopback origins and `controlOrigins`;
 *   POST bodies must be `application/json`):
 *   `reset()` ↔ POST reset; `advanceClock(s)` ↔ POST clock `{advance}`
 *   (returns the new now); `now()` ↔ GET clock; `families()` ↔ GET families;
 *   `family(id)` ↔ GET families/:id; `events(f)` ↔ GET events;
 *   `faults(spec?)` ↔ GET/POST faults; `rotateKeys()` ↔ POST keys/rotate;
 *   `revokeConsent(sub, clientId?)` ↔ POST users/:sub/revoke-consent
 *   `{clientId?}`; `requireMfa(sub, required?)` ↔ POST
 *   users/:sub/require-mfa `{required?}`; `replay(family, which?)` ↔ POST
 *   replay `{family, which?: 'previous'|'current'}` (presents the family's
 *   previous refresh token, or its current one when it never rotated, as an
 *   attacker would; answers `{ family, presented, status, body }`);
 *   `setItp(enabled)` / `itpEnabled()` ↔ POST/GET itp `{enabled}`;
 *   `users()` ↔ GET users; `declineScopes(sub, scopes)` ↔ POST
 *   users/:sub/decline-scopes `{scopes}` (a narrower grant from then on);
 *   `stealRefreshToken(family)` ↔ GET families/:id/refresh-token
 *   (`{ family, refresh_token, jkt }`, the "stolen token" demo);
 *   `resources()` ↔ GET resources; `resourceChallenge(spec)` ↔ POST
 *   resource-challenge `{ path, challenge, times?, scope?, acr_values?, max_age?, error_description? }`
 *   (the next `times` requests to that resource answer the challenge); `resourceChallenges()` ↔ GET
 *   resource-challenge;
 *   `onEvent(listener)` ↔ GET events/stream (server-sent events, replaying
 *   after `Last-Event-ID` or `?since=`).
 *   Bad arguments: 400 `invalid_request` over HTTP, a thrown `ControlError`
 *   in process.
 *
 * The login form accepts `demo` / `demo`; when MFA is required for a user,
 * the one-time code is `123456`. `autoLogin` never answers `prompt=none`:
 * that needs a real session, so ITP mode can make it fail.
 */
import { createControl, createDpopState, emptyFaults } from './control.js';
import type { Ctx } from './context.js';
import { createHandler } from './handler.js';
import { KeyManager } from './keys.js';
import { listen, type Listening, type ListenOptions } from './node-bridge.js';
import { resolveOptions } from './options.js';
import { ResourceChallenges } from './resources/challenge.js';
import { controlRoute } from './routes/control.js';
import { Store } from './store.js';
import type { MockControl, MockServerOptions } from './types.js';

export type * from './types.js';
export { ControlError } from './control.js';
export type { Listening, ListenOptions } from './node-bridge.js';

export interface MockServer {
  /** The whole server as a fetch handler (no socket). */
  fetch(request: Request): Promise<Response>;
  /**
   * Serves the handler with node:http (or https with `opts.tls`). Port 0 picks
   * a free port. Pins the issuer to the bound address (unless `issuer` was
   * given) and refuses requests whose `Host` is neither that address nor a
   * loopback name (DNS rebinding).
   */
  listen(port?: number, host?: string, opts?: ListenOptions): Promise<Listening>;
  control: MockControl;
  /** The issuer now: `options.issuer`, else the one pinned by `listen()`, else null (each request's URL origin). */
  readonly issuer: string | null;
}

export function createMockServer(options: MockServerOptions = {}): MockServer {
  const opts = resolveOptions(options);
  const ctx: Ctx = {
    opts,
    store: new Store(opts),
    keys: new KeyManager(opts.signingAlg, opts.keys),
    faults: emptyFaults(),
    dpop: createDpopState(opts.dpop),
    resourceDpop: createDpopState(opts.dpop),
    resourceChallenges: new ResourceChallenges(opts.resources),
  };
  let pinned: string | null = opts.issuer;
  let lastIssuer = opts.issuer ?? 'http://localhost/';
  const control = createControl(ctx, () => lastIssuer);
  const fetch = createHandler(ctx, opts.controlApi ? controlRoute(control, opts.controlOrigins, opts.allowRemoteControl) : null, (url) => {
    lastIssuer = pinned ?? `${url.origin}/`;
    return lastIssuer;
  });
  return {
    fetch,
    async listen(port = 0, host = '127.0.0.1', listenOpts = {}) {
      const l = await listen(fetch, port, host, listenOpts, () => pinned);
      if (opts.issuer === null && pinned === null) {
        pinned = `${l.url}/`;
        const close = l.close;
        return { url: l.url, close: () => ((pinned = pinned === `${l.url}/` ? null : pinned), close()) };
      }
      return l;
    },
    control,
    get issuer() {
      return pinned;
    },
  };
}
