import type { DpopServerState } from './dpop/index.js';
import type { KeyManager } from './keys.js';
import type { ResourceChallenges } from './resources/challenge.js';
import type { ResolvedOptions } from './options.js';
import type { Store } from './store.js';
import type { FaultState } from './types.js';

/** What every route gets: resolved options, state, keys, faults and the request's issuer. */
export interface Ctx {
  opts: ResolvedOptions;
  store: Store;
  keys: KeyManager;
  faults: FaultState;
  /** DPoP nonces and replay cache: `dpop` for the token and revocation endpoints, `resourceDpop` for /userinfo and /api/private. Recreated by reset. */
  dpop: DpopServerState;
  resourceDpop: DpopServerState;
  /** On-demand challenges of the resources under /api/ (`control.resourceChallenge`); cleared by reset. */
  resourceChallenges: ResourceChallenges;
}

export interface RouteArgs {
  req: Request;
  url: URL;
  ctx: Ctx;
  /** `options.issuer`, or the request's origin + `/`. */
  issuer: string;
}

export type Route = (a: RouteArgs) => Promise<Response>;
