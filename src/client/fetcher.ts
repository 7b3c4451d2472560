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
import { FetcherOriginError, StepUpRequiredError, UseDpopNonceError } from '../errors.js';
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
  /** URL prefix → the `{ audience, scope }` of its token (the longest prefix wins; explicit params override); its origins are allowed unless `allowedOrigins` is given. */
  routes?: Record<string, FetchAuthParams>;
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

/** One RFC 6750 §3 `WWW-Authenticate` parameter (quoted or token). */
const param = (challenge: string, name: string): string | undefined => new RegExp(`\\b${name}=(?:"([^"]*)"|([^\\s,]+))`).exec(challenge)?.slice(1).find((v) => v !== undefined);

/** RFC 9470: the resource asks for a stronger or more recent login; the app steps up (loginWithPopup / loginWithRedirect with these). */
const stepUp = (challenge: string): StepUpRequiredError => {
  const maxAge = param(challenge, 'max_age');
  return new StepUpRequiredError(param(challenge, 'error_description'), param(challenge, 'acr_values'), maxAge === undefined ? undefined : Number(maxAge));
};

export function createFetcher(deps: FetcherDeps, options: FetcherOptions = {}): Fetcher {
  const { baseUrl, dpopNonceId, fetch: send = (request: Request) => fetch(request) } = options;
  const fallback = baseUrl ?? globalThis.location?.origin;
  const routes = Object.entries(options.routes ?? {}).sort(([a], [b]) => b.length - a.length);
  const allowed = (options.allowedOrigins ?? [...(fallback ? [fallback] : []), ...routes.map(([prefix]) => prefix)]).map((o) => new URL(o).origin);
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
      const route = routes.find(([prefix]) => base.url.startsWith(prefix))?.[1] ?? {};
      const audience = params.audience ?? route.audience;
      let scope = [params.scope ?? route.scope ?? []].flat().join(' ') || undefined;
      let force = false;
      let nonceRetried = false;
      let scopeRetried = false;
      for (;;) {
        const { access_token: accessToken, token_type } = await deps.getTokenSilently({
          detailedResponse: true,
          cacheMode: force ? 'off' : 'on',
          authorizationParams: { audience, scope },
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
        const challenge = response.status === 401 || response.status === 403 ? (response.headers.get('WWW-Authenticate') ?? '') : '';
        const error = param(challenge, 'error');
        const wanted = param(challenge, 'scope');
        if (error === 'insufficient_user_authentication') throw stepUp(challenge);
        if (dpop && error === 'use_dpop_nonce') {
          if (nonceRetried || !nonce) throw new UseDpopNonceError(nonce);
          nonceRetried = true;
        } else if (!force && error === 'invalid_token') {
          force = true;
        } else if (!scopeRetried && error === 'insufficient_scope' && wanted) {
          [scopeRetried, scope] = [true, wanted];
        } else {
          return response;
        }
        void response.body?.cancel().catch(() => undefined); // not awaited: some stream sources never settle a cancel
      }
    },
  };
}
