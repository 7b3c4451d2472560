// Cold-start page script (bench/coldstart.mjs): what an app does on load —
// create the client the SDK's documented way, then getTokenSilently() — and
// when the first token arrived, in ms since navigation start.
(async () => {
  const params = new URLSearchParams(location.search);
  const sdk = params.get('sdk');
  const cfg = JSON.parse(params.get('cfg'));
  const options = {
    domain: cfg.mockOrigin,
    clientId: cfg.clientId,
    cacheLocation: cfg.cacheLocation,
    useRefreshTokens: true,
    authorizationParams: { redirect_uri: `${location.origin}/bench.html`, audience: cfg.audience, scope: cfg.scope },
  };
  const script = performance.getEntriesByType('resource').find((e) => e.name.includes('/sdk/'));
  const start = performance.getEntriesByName('sdk-start')[0]?.startTime ?? 0;
  const end = performance.getEntriesByName('sdk-end')[0]?.startTime ?? 0;
  const scriptMs = end - Math.max(start, script?.responseEnd ?? 0);
  if (sdk === 'none') {
    // the floor: the same page load with no SDK and no token
    window.coldResult = { ok: true, tokenAt: performance.now(), scriptMs: 0 };
    return;
  }
  try {
    const client = sdk === 'rotor-auth'
      ? await window.rotorAuth.createAuthClient(options)
      : await window.auth0.createAuth0Client(options);
    const token = await client.getTokenSilently();
    window.coldResult = { ok: typeof token === 'string', tokenAt: performance.now(), scriptMs };
  } catch (e) {
    window.coldResult = { ok: false, error: e?.error ?? e?.message ?? String(e), scriptMs };
  }
})();
