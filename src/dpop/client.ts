/**
 * DPoP orchestration for the client (RFC 9449): one key per login, made at
 * the code exchange and owned by the family (its `jkt` in the family record),
 * proofs dated on the SDK clock (nowProvider + the learned server offset),
 * server nonces kept in the DPoP store (IndexedDB for persistent caches, so
 * tabs share them with the keys) and one retry on `use_dpop_nonce`.
 */
import type { Clock } from '../protocol/clock.js';
import { ConfigurationError, DpopKeyMissingError } from '../errors.js';
import { createDpopProof, generateDpopKey, toDpopKey, type DpopKey } from './key.js';
import { withDpopNonce } from './retry.js';
import { dpopNonces, idbDpopStore, memoryDpopStore, type DpopNonces, type DpopStore } from './store.js';
import type { DpopHttp } from '../protocol/token-endpoint.js';
import { request, type JsonResponse } from '../protocol/http.js';
import type { TokenStore } from '../cache/token-store.js';

export interface ProofParams {
  url: string;
  method: string;
  nonce?: string;
  accessToken?: string;
}

/**
 * Keys are stored under the client id and the key's thumbprint, the `jkt` the family record holds
 * (IndexedDB for a persistent cache: CryptoKey objects are structured-cloneable, so a non-extractable
 * key survives reloads and is shared by tabs without ever being exported).
 */
export interface Dpop {
  readonly nonces: DpopNonces;
  /** A fresh key for a login (saved with its family by the family owner). */
  newKey(): Promise<DpopKey>;
  save(key: DpopKey): Promise<void>;
  /** Deletes a family's key (with the family); never throws. */
  forget(jkt: string | undefined): Promise<void>;
  /**
   * The key a family is bound to. DpopKeyMissingError when it is gone (storage cleared, other
   * browser profile) or is not the key with thumbprint `jkt`: the caller then purges the family
   * locally instead of sending a proof that must fail. A stored value that is not a key pair is deleted.
   */
  key(jkt: string): Promise<DpopKey>;
  proof(key: DpopKey, p: ProofParams): Promise<string>;
  /** A request to the authorization server: a fresh proof per attempt, every DPoP-Nonce stored, one retry on use_dpop_nonce. */
  send<T>(key: DpopKey, url: string, run: (http: DpopHttp) => Promise<T>, method?: string, accessToken?: string): Promise<T>;
}

export function createDpop(store: DpopStore, clientId: string, clock: Clock): Dpop {
  const id = (jkt: string) => `key:${clientId}:${jkt}`;
  const nonces = dpopNonces(store, clientId);
  const proof = async (key: DpopKey, p: ProofParams) => {
    const now = (await clock.base()) + clock.offsetMs;
    return createDpopProof(key, { ...p, now: () => now });
  };
  return {
    nonces,
    newKey: generateDpopKey,
    async save(key) {
      await store.set(id(key.jkt), key.pair);
    },
    async forget(jkt) {
      try {
        if (jkt) await store.delete(id(jkt));
      } catch {
        // a key left behind is never used again (its family is gone)
      }
    },
    async key(jkt) {
      const pair = (await store.get(id(jkt))) as Partial<CryptoKeyPair> | undefined;
      if (pair?.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey) {
        const key = await toDpopKey(pair as CryptoKeyPair);
        if (key.jkt === jkt) return key;
      } else if (pair !== undefined) await store.delete(id(jkt));
      throw new DpopKeyMissingError();
    },
    proof,
    send(key, url, run, method = 'POST', accessToken) {
      return withDpopNonce(nonces, async (nonce) =>
        run({ headers: { DPoP: await proof(key, { url, method, nonce, accessToken }) }, nonce: (n) => nonces.set(n) }),
      );
    },
  };
}

/**
 * The client's Dpop: undefined without `useDpop`; ConfigurationError where WebCrypto (or IndexedDB for a persistent
 * cache) is missing. `inTab`: the built-in memory cache (keys live in memory too).
 */
export function dpopFor(o: { useDpop: boolean; clientId: string }, clock: Clock, inTab: boolean): Dpop | undefined {
  if (!o.useDpop) return undefined;
  if (!globalThis.crypto?.subtle) throw new ConfigurationError('useDpop needs WebCrypto (a secure context)');
  return createDpop(inTab ? memoryDpopStore() : idbDpopStore(), o.clientId, clock);
}

/** The client's Dpop, or ConfigurationError when `useDpop` is off (generateDpopProof, get/setDpopNonce). */
export const dpopOn = (dpop: Dpop | undefined): Dpop => {
  if (!dpop) throw new ConfigurationError('DPoP is off (useDpop: false)');
  return dpop;
};

/** The key of the signed-in session's family (generateDpopProof, fetchWithAuth, userinfo); `dpop` is on (the callers check). */
export const sessionKey = async (dpop: Dpop | undefined, store: TokenStore): Promise<DpopKey> => {
  const family = (await store.getSession())?.family;
  const jkt = family && (await store.getFamily(family))?.jkt;
  if (!jkt) throw new DpopKeyMissingError();
  return dpop!.key(jkt);
};

/** GET with the access token: `Bearer`, or for a DPoP token `DPoP` + a proof with `ath` (one nonce retry). */
export async function authorizedGet(
  url: string,
  token: { access_token: string; token_type: string },
  timeoutMs: number,
  dpop: Dpop | undefined,
  store: TokenStore,
): Promise<JsonResponse> {
  const at = token.access_token;
  const bound = dpop && /^dpop$/i.test(token.token_type);
  const get = (http?: DpopHttp) =>
    request(url, { timeoutMs, ...http, headers: { ...http?.headers, Authorization: `${bound ? 'DPoP' : 'Bearer'} ${at}` } });
  return bound ? dpop.send(await sessionKey(dpop, store), url, get, 'GET', at) : get();
}
