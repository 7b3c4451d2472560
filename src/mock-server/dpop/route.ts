/**
 * DPoP glue for the routes: validate a request's proof on the server clock,
 * report rejections, and the 401 a resource answers.
 */
import type { Ctx } from '../context.js';
import { oauthError } from '../http.js';
import type { DpopServerState } from './index.js';
import { checkDpopBinding, dpopChallenge, validateDpopProof, type DpopError, type DpopResult } from './validate.js';

/** Validates the request's `DPoP` header for `url` (issuer-based, never the Host header). */
export function checkProof(ctx: Ctx, state: DpopServerState, req: Request, url: string, accessToken?: string): Promise<DpopResult> {
  return validateDpopProof(
    { proof: req.headers.get('dpop'), method: req.method, url, ...(accessToken !== undefined ? { accessToken } : {}) },
    { ...state, now: ctx.store.now() },
  );
}

/** Proof check + binding in one: the error to answer, or undefined when the request may proceed. */
export async function checkBoundProof(ctx: Ctx, req: Request, url: string, jkt: string | null): Promise<DpopError | undefined> {
  const r = await checkProof(ctx, ctx.dpop, req, url);
  return r.ok ? checkDpopBinding(jkt ?? undefined, r) : r;
}

/** `DPoP-Nonce` header for a nonce to hand out. */
export const nonceHeader = (nonce: string | undefined): Record<string, string> => (nonce ? { 'DPoP-Nonce': nonce } : {});

/** Emits `dpop.rejected` for a refused proof (nonce challenges are routine and only show in `token_request`). */
export function reportRejection(ctx: Ctx, e: DpopError, at: { family?: string; sub?: string; clientId?: string }): void {
  if (e.error === 'use_dpop_nonce') return;
  ctx.store.emit({ type: 'dpop.rejected', ...at, reason: e.error, detail: { description: e.error_description } });
}

/** A resource's 401 (RFC 9449 §7.1): `WWW-Authenticate: DPoP error=…` plus the nonce to use. */
export function dpopUnauthorized(ctx: Ctx, e: { error: string; error_description: string; nonce?: string }, headers: Record<string, string>): Response {
  return oauthError(401, e.error, e.error_description, {
    ...headers,
    ...nonceHeader(e.nonce),
    'WWW-Authenticate': dpopChallenge(e, ctx.opts.dpop.algorithms),
  });
}
