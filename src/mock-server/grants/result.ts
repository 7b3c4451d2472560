import type { Ctx } from '../context.js';

/** What a grant handler produces; the token route turns it into a Response. */
export interface GrantResult {
  status: number;
  body: Record<string, unknown>;
  /** The refresh-token family involved, when known. */
  family?: string;
  /** True when this answer carries a freshly rotated refresh token (subject to the drop fault). */
  rotated?: boolean;
}

export function grantError(status: number, error: string, description: string, family?: string): GrantResult {
  return { status, body: { error, error_description: description }, ...(family ? { family } : {}) };
}

/** invalid_grant with the status of the error profile: auth0 → 403, rfc → 400. */
export function invalidGrant(ctx: Ctx, description: string, family?: string): GrantResult {
  return grantError(ctx.opts.errorProfile === 'auth0' ? 403 : 400, 'invalid_grant', description, family);
}

export const UNKNOWN_REFRESH_TOKEN = 'Unknown or invalid refresh token.';
