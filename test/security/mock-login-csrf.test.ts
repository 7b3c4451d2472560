import { afterEach, describe, expect, it } from 'vitest';
import { cookiesOf, pkce, REDIRECT, serve } from '../mock-server/helpers.js';

// issue 23 item 5: login CSRF. A pending login is bound to the browser that started it.
const USERS = [
  { sub: 'user-1', username: 'demo', password: 'demo' },
  { sub: 'mallory', username: 'mallory', password: 'mallory' },
];

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function start() {
  const srv = await serve({ users: USERS });
  close = srv.close;
  return srv;
}

function authorizePath(): string {
  const q = new URLSearchParams({
    client_id: 'demo',
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid',
    state: 'st',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });
  return `/authorize?${q}`;
}

function form(body: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString() };
}

async function attackerStartsLogin(srv: Awaited<ReturnType<typeof start>>) {
  const res = await srv.fetch(authorizePath());
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get('location')!);
  expect(loc.pathname).toBe('/u/login');
  return { id: loc.searchParams.get('state')!, cookie: cookiesOf(res) };
}

describe('mock server: login CSRF (POST /u/login)', () => {
  it('GET /authorize that shows the login form sets a short-lived HttpOnly SameSite=Lax binding cookie', async () => {
    const srv = await start();
    const res = await srv.fetch(authorizePath());
    const set = res.headers.getSetCookie().find((c) => c.startsWith('rotor_login='));
    expect(set).toBeDefined();
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Max-Age=\d+/);
  });

  it("a post naming the attacker's pending login without the binding cookie (a cross-site form) is refused", async () => {
    const srv = await start();
    const { id } = await attackerStartsLogin(srv);
    // the victim's browser posts the attacker's form: no binding cookie for this login; a browser sends Origin
    // (an old one without Fetch Metadata), or Sec-Fetch-Site: same-site from a sibling subdomain
    for (const headers of [{ Origin: 'https://evil.example' } as Record<string, string>, { 'Sec-Fetch-Site': 'same-site', Origin: 'http://evil.localhost:1' }, { 'Sec-Fetch-Site': 'same-origin' }]) {
      const res = await srv.fetch('/u/login', form({ state: id, username: 'mallory', password: 'mallory' }, headers));
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('rotor_session='))).toBe(false);
    }
    expect(srv.s.control.events({ type: 'login' })).toHaveLength(0);
  });

  it('a non-browser client (no Origin, no Sec-Fetch-*: rotor-auth/testing signIn, scripts) signs in without the cookie', async () => {
    const srv = await start();
    const { id } = await attackerStartsLogin(srv);
    // such a client keeps the session cookie itself: it cannot plant a session in anyone's browser
    const res = await srv.fetch('/u/login', form({ state: id, username: 'demo', password: 'demo' }));
    expect(res.status).toBe(302);
  });

  it('a cross-site post is refused even with the binding cookie', async () => {
    const srv = await start();
    const { id, cookie } = await attackerStartsLogin(srv);
    const res = await srv.fetch(
      '/u/login',
      form({ state: id, username: 'mallory', password: 'mallory' }, { Cookie: cookie, 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }),
    );
    expect(res.status).toBe(403);
    expect(srv.s.control.events({ type: 'login' })).toHaveLength(0);
  });

  it("the victim's own cookie does not unlock the attacker's pending login; the victim never ends up as mallory", async () => {
    const srv = await start();
    const attacker = await attackerStartsLogin(srv);
    const victim = await attackerStartsLogin(srv); // the victim has a login of their own in progress
    const forged = await srv.fetch(
      '/u/login',
      form({ state: attacker.id, username: 'mallory', password: 'mallory' }, { Cookie: victim.cookie, 'Sec-Fetch-Site': 'same-origin' }),
    );
    expect(forged.status).toBe(403);
    // the victim's own login still works, and is the victim's
    const own = await srv.fetch('/u/login', form({ state: victim.id, username: 'demo', password: 'demo' }, { Cookie: victim.cookie, 'Sec-Fetch-Site': 'same-origin' }));
    expect(own.status).toBe(302);
    expect(srv.s.control.events({ type: 'login' }).map((e) => e.sub)).toEqual(['user-1']);
  });

  it('the browser that started the login signs in (same-origin post with its cookie)', async () => {
    const srv = await start();
    const { id, cookie } = await attackerStartsLogin(srv);
    const page = await srv.fetch(`/u/login?state=${id}`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    const res = await srv.fetch('/u/login', form({ state: id, username: 'demo', password: 'demo' }, { Cookie: cookie, 'Sec-Fetch-Site': 'same-origin', Origin: srv.url }));
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});
