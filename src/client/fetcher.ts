/**
 * `createFetcher().fetchWithAuth()`: fetch with the access token attached
 * (`Authorization: Bearer …`, or `DPoP …` plus a proof with `ath` when the
 * token is DPoP-bound). At most one retry of each kind, so it never loops:
 * - the resource answers `use_dpop_nonce` with a `DPoP-Nonce` → store it, retry once;
 * - the resource answers 401 `invalid_token` → refresh once (forced), retry once.
 * A URL whose origin is not in `allowedOrigins` rejects (FetcherOriginError) before a token is asked for.
 * The method is upper-cased once, so the request and the proof's `htm` agree.
 * Depends only on the small FetcherDeps interface the client provides.
 */
import { FetcherOriginError, UseDpopNonceError } from '../errors.js';
import { isNonce } from '../dpop/store.js';

export interface FetcherToken {
  access_token: string;
  token_type: string;
}

/** What the fetcher uses of the client (its public methods: `createFetcher` passes the client itself). */
export interface FetcherDeps {
  /** `force` (a 401 invalid_token) is cacheMode 'off'. */
  getTokenSilently(options: {
    detailedResponse: true;
    cacheMode: 'on' | 'off';
    authorizationParams: { audience?: string; scope?: string };
  }): Promise<FetcherToken>;
  generateDpopProof(params: { url: string; method: string; accessToken: string; nonce?: string }): Promise<string>;
  /** Only called for a DPoP token. */
  getDpopNonce(id?: string): Promise<string | undefined>;
  setDpopNonce(nonce: string, id?: string): Promise<void>;
  /** Forgets nonce `id` (its request got no HTTP answer); the client provides it. */
  dropDpopNonce?(id?: string): Promise<void>;
}

export interface FetcherOptions {
  /** Prefix for relative URLs given as strings. */
  baseUrl?: string;
  /** Origins the token may be sent to (default: `baseUrl`'s origin, else the page's); any other rejects with FetcherOriginError. */
  allowedOrigins?: string[];
  fetch?: (request: Request) => Promise<Response>;
  /** Which stored nonce the proofs use (`getDpopNonce(id)`); default: the request's origin (each resource server its own slot). */
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
  const { baseUrl, dpopNonceId, fetch: send = (request: Request) => fetch(request) } = options;
  const fallback = baseUrl ?? globalThis.location?.origin;
  const allowed = (options.allowedOrigins ?? (fallback ? [fallback] : [])).map((o) => new URL(o).origin);
  return {
    async fetchWithAuth(input, init, params = {}) {
      const url =
        typeof input === 'string' && baseUrl && !/^[a-z][a-z\d+.-]*:/i.test(input)
          ? `${baseUrl.replace(/\/+$/, '')}/${input.replace(/^\/+/, '')}`
          : input;
      const given = new Request(url, init);
      const { origin } = new URL(given.url); // parsed: `HTTP://EVIL…` is http://evil…
      if (!allowed.includes(origin)) throw new FetcherOriginError(origin);
      const base = new Request(given, { method: given.method.toUpperCase() });
      const id = dpopNonceId ?? origin;
      const scope = params.scope && [params.scope].flat().join(' ');
      let force = false;
      let nonceRetried = false;
      for (;;) {
        const { access_token: accessToken, token_type } = await deps.getTokenSilently({
          detailedResponse: true,
          cacheMode: force ? 'off' : 'on',
          authorizationParams: { audience: params.audience, scope },
        });
        const request = base.clone();
        const dpop = /^dpop$/i.test(token_type);
        request.headers.set('Authorization', `${dpop ? 'DPoP' : 'Bearer'} ${accessToken}`);
        const { url: u, method } = request;
        const sentNonce = dpop ? await deps.getDpopNonce(id) : undefined;
        if (dpop) request.headers.set('DPoP', await deps.generateDpopProof({ url: u, method, accessToken, nonce: sentNonce }));
        const response = await send(request).catch(async (e: unknown) => {
          if (sentNonce) await deps.dropDpopNonce?.(id).catch(() => undefined); // no answer: drop the nonce it carried
          throw e;
        });
        const header = response.headers.get('DPoP-Nonce');
        const nonce = isNonce(header) ? header : undefined; // RFC 9449 §8 NQCHAR, capped: anything else is ignored
        if (dpop && nonce) await deps.setDpopNonce(nonce, id);
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
