import { afterEach, describe, expect, it } from 'vitest';
import { authorize, cookiesOf, login, pkce, REDIRECT, serve, server } from '../mock-server/helpers.js';

// Own attacks (issue 23 "cross-site requests to every state-changing mock endpoint"). The router's
// state-changing endpoints: POST /u/login (login + consent), GET/POST /v2/logout, GET/POST /oidc/logout,
// POST /oauth/token and /oauth/revoke (CORS endpoints by design: they must not act on ambient cookies),
// POST /__control/* and /authorize (which only ever answers the registered redirect URI).
const EVIL = { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' };

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function start(opts = {}) {
  const srv = await serve({ autoLogin: 'user-1', ...opts });
  close = srv.close;
  const t = await login(srv.s);
  // a browser session cookie (ambient credential) for the same user
  const a = await authorize(srv.s);
  return { srv, t, cookie: cookiesOf(a.res) };
}

const form = (body: Record<string, string>, headers: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(body).toString(),
});

describe('mock server: cross-site requests to the state-changing endpoints', () => {
  it('/oauth/token with only the session cookie issues nothing (no code, no refresh token: cookies are not credentials there)', async () => {
    const { srv, cookie } = await start();
    const before = srv.s.control.events({ type: 'code.issued' }).length;
    for (const grant of ['authorization_code', 'refresh_token']) {
      const res = await srv.fetch('/oauth/token', form({ grant_type: grant, client_id: 'demo' }, { Cookie: cookie, ...EVIL }));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(((await res.json()) as { access_token?: string }).access_token).toBeUndefined();
    }
    expect(srv.s.control.events({ type: 'code.issued' }).length).toBe(before);
    expect(srv.s.control.families().filter((f) => f.rotations > 0)).toHaveLength(0);
  });

  it('/oauth/revoke with only the session cookie revokes nothing', async () => {
    const { srv, cookie } = await start();
    const res = await srv.fetch('/oauth/revoke', form({ client_id: 'demo' }, { Cookie: cookie, ...EVIL }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(srv.s.control.families().every((f) => f.status === 'active')).toBe(true);
    // and a token sent from a foreign origin gets no CORS grant (the page cannot read the answer)
    const withToken = await srv.fetch('/oauth/revoke', form({ client_id: 'demo', token: 'x' }, EVIL));
    expect(withToken.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('consent cannot be granted cross-site (POST /u/login with consent=1 from another site)', async () => {
    const srv = await serve();
    close = srv.close;
    const { challenge } = pkce();
    const q = new URLSearchParams({ client_id: 'demo', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid offline_access', code_challenge: challenge, code_challenge_method: 'S256' });
    const a = await srv.fetch(`/authorize?${q}`);
    const id = new URL(a.headers.get('location')!).searchParams.get('state')!;
    const res = await srv.fetch('/u/login', form({ state: id, username: 'demo', password: 'demo', consent: '1', 'grant:offline_access': 'on' }, { Cookie: cookiesOf(a), ...EVIL }));
    expect(res.status).toBe(403);
    expect(srv.s.control.events({ type: 'login' })).toHaveLength(0);
  });

  it('POST /oidc/logout from another site without id_token_hint keeps the session (confirmation page)', async () => {
    const { srv, cookie } = await start();
    const res = await srv.fetch('/oidc/logout', form({}, { Cookie: cookie, ...EVIL }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Sign out?');
    expect(srv.s.control.events({ type: 'logout' })).toHaveLength(0);
  });

  it('/authorize from another site cannot send a code anywhere but a registered redirect URI', async () => {
    const { srv, cookie } = await start();
    const { challenge } = pkce();
    const q = new URLSearchParams({ client_id: 'demo', redirect_uri: 'https://evil.example/cb', response_type: 'code', prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' });
    const res = await srv.fetch(`/authorize?${q}`, { headers: { Cookie: cookie, ...EVIL } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('the control API refuses a foreign Origin, and a cross-site request without Origin, for every write', async () => {
    const { srv } = await start();
    const writes = ['/__control/reset', '/__control/clock', '/__control/faults', '/__control/keys/rotate', '/__control/itp'];
    for (const path of writes) {
      for (const headers of [EVIL, { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' }] as Record<string, string>[]) {
        const res = await srv.fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{"advance":100,"enabled":true,"delayMs":5}' });
        expect(res.status).toBe(403);
      }
    }
    // reads with a cross-site navigation (no Origin) too: the stolen-token read is refused
    const fam = srv.s.control.families()[0]!;
    const steal = await srv.fetch(`/__control/families/${fam.id}/refresh-token`, { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } });
    expect(steal.status).toBe(403);
    expect(srv.s.control.events({ type: 'reset' })).toHaveLength(0);
    expect(srv.s.control.faults().delayMs).toBe(0);
    expect(srv.s.control.itpEnabled()).toBe(false);
  });

  it('a loopback app origin (another site, e.g. localhost:3000) still uses the control API', async () => {
    const { srv } = await start();
    const res = await srv.fetch('/__control/faults', { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://localhost:3000', 'Sec-Fetch-Site': 'cross-site' }, body: '{"delayMs":1}' });
    expect(res.status).toBe(200);
    void server;
  });
});
