/**
 * `createFetcher().fetchWithAuth()`: fetch with the access token attached
 * (`Authorization: Bearer …`, or `DPoP …` plus a proof with `ath` when the
 * token is DPoP-bound). At most one retry of each kind, so it never loops:
 * - the resource answers `use_dpop_nonce` with a `DPoP-Nonce` → store it, retry once;
 * - the resource answers 401 `invalid_token` → refresh once (forced), retry once.
 * Depends only on the small FetcherDeps interface the client provides.
 */
import { UseDpopNonceError } from './errors.js';
import type { DpopNonces } from './dpop/store.js';

export interface FetcherToken {
  access_token: string;
  token_type: string;
}

export interface FetcherDeps {
  /** The client's getTokenSilently; `force` skips the cache (cacheMode 'off'). */
  getToken(audience: string | undefined, scope: string | undefined, options: { force: boolean }): Promise<FetcherToken>;
  makeProof(url: string, method: string, accessToken: string, nonce: string | undefined): Promise<string>;
  /** The DPoP nonce store (`getDpopNonce` / `setDpopNonce`), used for a DPoP token. */
  nonces?: DpopNonces;
}

export interface FetcherOptions {
  /** Prefix for relative URLs given as strings. */
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
  /** Which stored nonce the proofs use (`getDpopNonce(id)`); none = the authorization server's, as in auth0-spa-js. */
  dpopNonceId?: string;
}

export interface FetchAuthParams {
  audience?: string;
  scope?: string | string[];
}

export interface Fetcher {
  fetchWithAuth(input: RequestInfo | URL, init?: RequestInit, params?: FetchAuthParams): Promise<Response>;
}

export function createFetcher(deps: FetcherDeps, options: FetcherOptions = {}): Fetcher {
  const { baseUrl, dpopNonceId: id, fetch: send = (request: Request) => fetch(request) } = options;
  return {
    async fetchWithAuth(input, init, params = {}) {
      const url =
        typeof input === 'string' && baseUrl && !/^[a-z][a-z\d+.-]*:/i.test(input)
          ? `${baseUrl.replace(/\/+$/, '')}/${input.replace(/^\/+/, '')}`
          : input;
      const base = new Request(url, init);
      const scope = Array.isArray(params.scope) ? params.scope.join(' ') : params.scope;
      let force = false;
      let nonceRetried = false;
      for (;;) {
        const { access_token: at, token_type } = await deps.getToken(params.audience, scope, { force });
        const request = base.clone();
        const dpop = /^dpop$/i.test(token_type);
        request.headers.set('Authorization', `${dpop ? 'DPoP' : 'Bearer'} ${at}`);
        if (dpop) request.headers.set('DPoP', await deps.makeProof(request.url, request.method, at, await deps.nonces?.get(id)));
        const response = await send(request);
        const nonce = response.headers.get('DPoP-Nonce') ?? undefined;
        if (dpop && nonce) await deps.nonces?.set(nonce, id);
        const challenge = response.status === 401 ? (response.headers.get('WWW-Authenticate') ?? '') : '';
        if (dpop && challenge.includes('use_dpop_nonce')) {
          if (nonceRetried || !nonce) throw new UseDpopNonceError(nonce);
          nonceRetried = true;
        } else if (!force && /error="?invalid_token/.test(challenge)) {
          force = true;
        } else {
          return response;
        }
        void response.body?.cancel().catch(() => undefined); // not awaited: some stream sources never settle a cancel
      }
    },
  };
}
