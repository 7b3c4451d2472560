// In-page helpers for bench/browser.mjs and bench/counts.mjs. Every SDK is
// driven through its public API only; timings use performance.now() (the page
// is cross-origin isolated, so its resolution is 5 µs).
(() => {
  const clients = {};
  const pendingLogins = {};

  /** Client options shared by both SDKs (auth0-spa-js v2 names). */
  function options(cfg) {
    return {
      domain: cfg.mockOrigin,
      clientId: cfg.clientId,
      cacheLocation: cfg.cacheLocation,
      useRefreshTokens: true,
      authorizationParams: { redirect_uri: `${location.origin}/bench.html`, audience: cfg.audience, scope: cfg.scope },
      ...(cfg.useDpop ? { useDpop: true } : {}),
    };
  }

  function makeClient(sdk, cfg) {
    if (sdk === 'rotor-auth') {
      if (!window.rotorAuth) throw new Error('rotorAuth global missing (dist/rotor-auth.min.js not built?)');
      return new window.rotorAuth.AuthClient(options(cfg));
    }
    if (sdk === 'auth0-spa-js') return new window.auth0.Auth0Client(options(cfg));
    throw new Error(`unknown sdk ${sdk}`);
  }

  /** A wait as long as a loopback token request, so a timed platform call starts from an idle page as a refresh's do. */
  const idle = () => new Promise((r) => setTimeout(r, 7));
  const b64urlToBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

  window.bench = {
    crossOriginIsolated: window.crossOriginIsolated,

    setup(name, sdk, cfg) {
      clients[name] = makeClient(sdk, cfg);
      return true;
    },

    /** Whether the client exposes the DPoP API (auth0-spa-js 2.27 names). */
    hasDpopApi(name) {
      return typeof clients[name].generateDpopProof === 'function';
    },

    /**
     * Starts a login without leaving the page: the SDK hands the authorize
     * URL to `openUrl` (both SDKs' option), the bench follows it from Node and
     * passes the callback URL to `finishLogin`.
     */
    async startLogin(name) {
      let url;
      await clients[name].loginWithRedirect({ openUrl: (u) => { url = u; } });
      if (!url) throw new Error('loginWithRedirect did not call openUrl');
      pendingLogins[name] = url;
      return url;
    },

    async finishLogin(name, callbackUrl) {
      await clients[name].handleRedirectCallback(callbackUrl);
      return clients[name].isAuthenticated();
    },

    async token(name, opts) {
      return clients[name].getTokenSilently(opts);
    },

    /** n sequential cache-hit calls; returns mean ms per call for this batch. */
    async cacheHitBatch(name, n) {
      const c = clients[name];
      const t0 = performance.now();
      for (let i = 0; i < n; i += 1) await c.getTokenSilently();
      return (performance.now() - t0) / n;
    },

    /** One forced refresh through the SDK; ms. */
    async forcedRefresh(name) {
      const c = clients[name];
      const t0 = performance.now();
      await c.getTokenSilently({ cacheMode: 'off' });
      return performance.now() - t0;
    },

    /** n DPoP proofs through the SDK's own generateDpopProof (what a refresh signs); ms each. */
    async proofCost(name, url, n) {
      const c = clients[name];
      const out = [];
      for (let i = 0; i < n; i += 1) {
        const t0 = performance.now();
        await c.generateDpopProof({ url, method: 'POST' });
        out.push(performance.now() - t0);
      }
      return out;
    },

    /**
     * The same token request the SDK sent, as a bare fetch, on its own
     * rotation chain. Returns ms for fetch + JSON parse, and the next token.
     */
    async bareRefresh(req, refreshToken) {
      let body;
      if (req.kind === 'json') {
        const obj = JSON.parse(req.body);
        obj.refresh_token = refreshToken;
        body = JSON.stringify(obj);
      } else {
        const params = new URLSearchParams(req.body);
        params.set('refresh_token', refreshToken);
        body = params.toString();
      }
      const t0 = performance.now();
      const res = await fetch(req.url, { method: 'POST', headers: req.headers, body });
      const json = await res.json();
      const ms = performance.now() - t0;
      if (!res.ok) throw new Error(`bare refresh failed: ${res.status} ${JSON.stringify(json)}`);
      return { ms, refreshToken: json.refresh_token, idToken: json.id_token };
    },

    /**
     * WebCrypto cost of checking an ID token's signature against the JWKS:
     * key import and the signature check itself, each in ms.
     */
    async verifyCost(jwksUrl, idTokens) {
      const jwks = await (await fetch(jwksUrl)).json();
      const importMs = [];
      const verifyMs = [];
      for (const token of idTokens) {
        const [h, p, s] = token.split('.');
        const header = JSON.parse(new TextDecoder().decode(b64urlToBytes(h)));
        const jwk = jwks.keys.find((k) => k.kid === header.kid) ?? jwks.keys[0];
        const alg = header.alg === 'ES256'
          ? { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } }
          : { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } };
        const t0 = performance.now();
        const key = await crypto.subtle.importKey('jwk', jwk, alg.import, false, ['verify']);
        const t1 = performance.now();
        const ok = await crypto.subtle.verify(alg.verify, key, b64urlToBytes(s), new TextEncoder().encode(`${h}.${p}`));
        JSON.parse(new TextDecoder().decode(b64urlToBytes(p)));
        verifyMs.push(performance.now() - t1);
        importMs.push(t1 - t0);
        if (!ok) throw new Error('ID token signature did not verify');
      }
      return { importMs, verifyMs };
    },

    /** Web Locks round trips in this page: one request+release of a free lock, one query(); ms each, each after an idle wait. */
    async lockCost(n) {
      const requestMs = [];
      const queryMs = [];
      for (let i = 0; i < n; i += 1) {
        await idle(); // as in a refresh: the page has been waiting on the network
        const t0 = performance.now();
        await navigator.locks.request(`bench-lock-${i}`, async () => {});
        requestMs.push(performance.now() - t0);
        await idle();
        const t1 = performance.now();
        await navigator.locks.query();
        queryMs.push(performance.now() - t1);
      }
      return { requestMs, queryMs };
    },

    /**
     * IndexedDB transactions in this page, shaped like a refresh's: one readonly transaction of 3
     * gets (the reads under the family lock), one readwrite transaction of 2 puts, timed to its
     * `complete` (the commit, durable before the token is handed out); ms each.
     */
    async idbCost(n) {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('bench-idb-cost', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('s');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const entry = { v: 1, value: { refresh_token: 'x'.repeat(64), family: 'f', seq: 1, scope: 'openid profile email offline_access' } };
      const run = (mode) =>
        new Promise((resolve, reject) => {
          const t0 = performance.now();
          const tx = db.transaction('s', mode);
          const store = tx.objectStore('s');
          if (mode === 'readwrite') ['a', 'b'].forEach((k) => store.put(entry, k));
          else ['a', 'b', 'c'].forEach((k) => store.get(k));
          tx.oncomplete = () => resolve(performance.now() - t0);
          tx.onabort = () => reject(tx.error);
        });
      const readMs = [];
      const writeMs = [];
      for (let i = 0; i < n; i += 1) {
        await idle();
        writeMs.push(await run('readwrite'));
        await idle();
        readMs.push(await run('readonly'));
      }
      db.close();
      return { readMs, writeMs };
    },

    /** n concurrent getTokenSilently calls; summary of outcomes. */
    async concurrent(name, n) {
      const settled = await Promise.allSettled(Array.from({ length: n }, () => clients[name].getTokenSilently()));
      const tokens = new Set(settled.filter((s) => s.status === 'fulfilled').map((s) => s.value));
      const errors = settled.filter((s) => s.status === 'rejected').map((s) => s.reason?.error ?? s.reason?.message ?? String(s.reason));
      return { fulfilled: n - errors.length, distinctTokens: tokens.size, errors: [...new Set(errors)] };
    },

    async oneCall(name) {
      try {
        return { ok: true, token: await clients[name].getTokenSilently() };
      } catch (e) {
        return { ok: false, error: e?.error ?? e?.message ?? String(e) };
      }
    },
  };
})();
