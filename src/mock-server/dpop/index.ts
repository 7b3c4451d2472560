/**
 * DPoP for the mock server: options, per-server state, proof validation and
 * the small helpers the token, revoke, userinfo and API routes need.
 */
import { resolveDpopOptions, type DpopOptions, type DpopSettings } from './options.js';
import { DpopNonces, DpopReplayCache } from './state.js';

export * from './options.js';
export * from './state.js';
export * from './validate.js';

/** Everything a server instance keeps for DPoP (one per createMockServer; reset with the store). */
export interface DpopServerState {
  settings: DpopSettings;
  nonces: DpopNonces;
  replay: DpopReplayCache;
}

export function createDpopServerState(options?: DpopOptions): DpopServerState {
  return dpopStateFrom(resolveDpopOptions(options));
}

/** Fresh nonces and replay cache for resolved settings (a server's reset calls it again). */
export function dpopStateFrom(settings: DpopSettings): DpopServerState {
  return { settings, nonces: new DpopNonces(settings.nonceRotation * 1000), replay: new DpopReplayCache(settings.replayCacheSize) };
}

/**
 * `Authorization: Bearer <token>` or `DPoP <token>` (scheme case-insensitive,
 * RFC 9110 §11.1). Undefined for anything else, including an empty token.
 */
export function parseAuthorization(header: string | null | undefined): { scheme: 'Bearer' | 'DPoP'; token: string } | undefined {
  const m = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header?.trim() ?? '');
  if (!m) return undefined;
  return { scheme: m[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: m[2]! };
}
