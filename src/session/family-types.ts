import type { Clock } from '../protocol/clock.js';
import type { Endpoints } from '../protocol/endpoints.js';
import type { Dpop } from '../dpop/client.js';
import type { DpopKey } from '../dpop/key.js';
import type { IdTokenClaims, JwksCache } from '../protocol/id-token.js';
import type { TabMessage } from './tab-sync.js';
import type { TokenEndpointResponse } from '../protocol/token-endpoint.js';
import type { TokenStore } from '../cache/token-store.js';

/** The types of FamilyLock (family-lock.ts): its dependencies, requests and session events. */
export type SessionEvent =
  | { type: 'signedIn' }
  | { type: 'tokenRefreshed'; audience: string; expiresAt: number }
  | { type: 'signedOut'; reason: SignedOutReason };

export type SignedOutReason = 'logout' | 'other_tab' | 'invalid_grant' | 'invalid_client' | 'unauthorized_client' | 'invalid_id_token' | 'dpop_key_missing' | 'login_required';

export interface FamilyDeps {
  clientId: string;
  store: TokenStore;
  endpoints: () => Promise<Endpoints>;
  httpTimeoutMs: number;
  /** Seconds (ID-token checks and early refresh). */
  leeway: number;
  /** Memory caches are per tab: no cross-tab locks or markers. */
  inTabOnly: boolean;
  jwks: JwksCache;
  clock: Clock;
  announce: (message: TabMessage) => void;
  /** Every session outcome, for client.on(...). */
  onSessionEvent: (event: SessionEvent) => void;
  /** useDpop: keys, proofs and nonces (dpop-client.ts); a family with `jkt` is refreshed and revoked with proofs. */
  dpop?: Dpop;
}

export interface RefreshRequest {
  family: string;
  /** Cache-key audience (`default` when none). */
  audience: string;
  /** Audience sent to the token endpoint, if any. */
  audienceParam?: string;
  scope: string;
  /** The returned token must have been obtained after this epoch ms (cacheMode 'off'). */
  notBefore?: number;
}

/** What a verified code exchange stores (login). */
export interface LoginCommit {
  tokens: TokenEndpointResponse;
  claims?: IdTokenClaims;
  audience: string;
  scope: string;
  /** A fresh login replaces whatever the cache held. */
  replaceSession: boolean;
  /** Random id for a new family. */
  newFamilyId: string;
  /** useDpop: the key of the code exchange, saved before the family exists and then owned by it. */
  dpopKey?: DpopKey;
}
