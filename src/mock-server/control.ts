import { ControlError } from './control-error.js';
import type { Ctx } from './context.js';
import { dpopStateFrom } from './dpop/index.js';
import { runGrant } from './routes/token.js';
import type { EventFilter, FamilyView, FaultSpec, FaultState, MockControl, ReplayResult, RevokeResult } from './types.js';

export { ControlError };
export const createDpopState = dpopStateFrom;

export function emptyFaults(): FaultState {
  return { dropNextRotation: 0, delayMs: 0, failNext: null };
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new ControlError(msg);
}

/** The in-process control API (see index.ts for the shapes). */
export function createControl(ctx: Ctx, lastIssuer: () => string): MockControl {
  const { store } = ctx;
  return {
    reset() {
      store.reset();
      Object.assign(ctx.faults, emptyFaults());
      ctx.dpop = dpopStateFrom(ctx.opts.dpop);
      ctx.resourceDpop = dpopStateFrom(ctx.opts.dpop);
      ctx.resourceChallenges.clear();
    },
    now: () => store.now(),
    advanceClock(seconds: number) {
      check(typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0, 'advance must be a number of seconds >= 0');
      store.offsetMs += seconds * 1000;
      store.emit({ type: 'clock.advanced', detail: { seconds } });
      store.sweep();
      return store.now();
    },
    families(): FamilyView[] {
      store.sweep();
      return [...store.families.values()].map((f) => store.view(f));
    },
    family(id: string) {
      const f = store.families.get(id);
      return f ? store.view(f) : undefined;
    },
    events: (filter?: EventFilter) => store.events(filter),
    faults(spec?: FaultSpec): FaultState {
      if (spec) {
        // validate everything first: a rejected call changes nothing
        const next: FaultState = spec.clear ? emptyFaults() : { ...ctx.faults };
        if (spec.dropNextRotation !== undefined) {
          const n = spec.dropNextRotation === true ? 1 : spec.dropNextRotation === false ? 0 : spec.dropNextRotation;
          check(Number.isInteger(n) && n >= 0 && n <= 1000, 'dropNextRotation must be a boolean or an integer 0..1000');
          next.dropNextRotation = n;
        }
        if (spec.delayMs !== undefined) {
          check(Number.isFinite(spec.delayMs) && spec.delayMs >= 0 && spec.delayMs <= 60_000, 'delayMs must be 0..60000');
          next.delayMs = spec.delayMs;
        }
        if (spec.failNext !== undefined) {
          check(typeof spec.failNext === 'object' && spec.failNext !== null, 'failNext must be an object');
          const { status, count = 1, retryAfter = 1 } = spec.failNext;
          check([429, 500, 503].includes(status), 'failNext.status must be 429, 500 or 503');
          check(Number.isInteger(count) && count >= 1 && count <= 1000, 'failNext.count must be an integer 1..1000');
          check(Number.isInteger(retryAfter) && retryAfter >= 0, 'failNext.retryAfter must be an integer >= 0');
          next.failNext = { status, count, retryAfter };
        }
        Object.assign(ctx.faults, next);
      }
      const f = ctx.faults;
      return { ...f, failNext: f.failNext ? { ...f.failNext } : null };
    },
    async rotateKeys() {
      const r = await ctx.keys.rotate();
      store.emit({ type: 'keys.rotated', detail: { kid: r.kid } });
      return r;
    },
    revokeConsent(sub: string, clientId?: string): RevokeResult {
      check(typeof sub === 'string' && ctx.opts.users.has(sub), `Unknown user: ${String(sub).slice(0, 64)}`);
      store.revokeConsent(sub, clientId);
      const revokedFamilies = store.revokeUserFamilies(sub, clientId, 'consent_revoked');
      store.emit({ type: 'consent.revoked', sub, ...(clientId ? { clientId } : {}) });
      return { revokedFamilies };
    },
    requireMfa(sub: string, required = true): RevokeResult {
      check(typeof sub === 'string' && ctx.opts.users.has(sub), `Unknown user: ${String(sub).slice(0, 64)}`);
      if (!required) {
        store.mfaRequired.delete(sub);
        return { revokedFamilies: [] };
      }
      store.mfaRequired.add(sub);
      const revokedFamilies = store.revokeUserFamilies(sub, undefined, 'mfa_required');
      store.emit({ type: 'mfa.required', sub });
      return { revokedFamilies };
    },
    async replay(id: string, which: 'previous' | 'current' = 'previous'): Promise<ReplayResult> {
      const f = store.families.get(id);
      if (!f) throw new ControlError(`Unknown family: ${String(id).slice(0, 64)}`, 404);
      const tokens = f.tokens;
      const tok = which === 'previous' && tokens.length > 1 ? tokens[tokens.length - 2]! : tokens[tokens.length - 1]!;
      const params = new Map([
        ['grant_type', 'refresh_token'],
        ['client_id', f.clientId],
        ['refresh_token', tok.value],
      ]);
      const ev = store.emit({ type: 'token_request', grant_type: 'refresh_token', clientId: f.clientId, family: f.id, replay: true }, true);
      const r = await runGrant(ctx, params, lastIssuer(), true);
      ev.status = r.status;
      if (typeof r.body.error === 'string') ev.error = r.body.error;
      store.publish(ev);
      return { family: f.id, presented: tok.value, status: r.status, body: r.body };
    },
    setItp(enabled: boolean) {
      check(typeof enabled === 'boolean', 'enabled must be a boolean');
      store.itp = enabled;
      return enabled;
    },
    itpEnabled: () => store.itp,
    users: () => [...ctx.opts.users.values()].map((u) => ({ ...u, declineScopes: store.userDeclines(u.sub) })),
    declineScopes(sub: string, scopes: string[]) {
      check(typeof sub === 'string' && ctx.opts.users.has(sub), `Unknown user: ${String(sub).slice(0, 64)}`);
      check(Array.isArray(scopes) && scopes.every((x) => typeof x === 'string' && x.length <= 128), 'scopes must be an array of strings');
      check(!scopes.includes('openid'), 'openid cannot be declined');
      store.declines.set(sub, [...new Set(scopes)]);
      store.emit({ type: 'consent.narrowed', sub, detail: { declined: scopes.join(' ') } });
      return { sub, declineScopes: store.userDeclines(sub) };
    },
    stealRefreshToken(id: string) {
      const f = store.families.get(id);
      if (!f) throw new ControlError(`Unknown family: ${String(id).slice(0, 64)}`, 404);
      return { family: f.id, refresh_token: f.tokens[f.tokens.length - 1]!.value, jkt: f.jkt };
    },
    resources: () =>
      ctx.opts.resources.map((r) => ({ path: r.path, audience: r.audience, scopes: [...r.scopes], dpop: r.dpop, acrValues: [...r.acrValues], maxAge: r.maxAge })),
    resourceChallenge: (spec) => ctx.resourceChallenges.set(spec),
    resourceChallenges: () => ctx.resourceChallenges.list(),
    onEvent: (listener) => store.onEvent(listener),
  };
}
