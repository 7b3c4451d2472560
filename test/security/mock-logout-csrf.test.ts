import { afterEach, describe, expect, it } from 'vitest';
import { cookiesOf, exchange, pkce, REDIRECT, serve } from '../mock-server/helpers.js';

// issue 23 item 6: logout CSRF. A cross-site navigation to the logout endpoints must not end the session.
const USERS = [
  { sub: 'user-1', username: 'demo', password: 'demo' },
  { sub: 'mallory', username: 'mallory', password: 'mallory' },
];
const CROSS = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' };

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** Signs `sub` in through /authorize (autoLogin) over HTTP; returns the session cookie and an ID token. */
async function signedIn(sub = 'user-1') {
  const srv = await serve({ autoLogin: sub, users: USERS });
  close = srv.close;
  return { srv, ...(await session(srv)) };
}

async function session(srv: Awaited<ReturnType<typeof serve>>) {
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ client_id: 'demo', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
  const res = await srv.fetch(`/authorize?${q}`);
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const t = (await (await exchange(srv.s, code, verifier)).json()) as { id_token: string };
  return { cookie: cookiesOf(res), idToken: t.id_token };
}

/** Signs a user in through the login form (no autoLogin). */
async function formSession(srv: Awaited<ReturnType<typeof serve>>, username: string) {
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ client_id: 'demo', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
  const a = await srv.fetch(`/authorize?${q}`);
  const id = new URL(a.headers.get('location')!).searchParams.get('state')!;
  const res = await srv.fetch('/u/login', {
    method: 'POST',
    headers: { Cookie: cookiesOf(a), 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
    body: new URLSearchParams({ state: id, username, password: username === 'demo' ? 'demo' : 'mallory' }).toString(),
  });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const t = (await (await exchange(srv.s, code, verifier)).json()) as { id_token: string };
  return { cookie: cookiesOf(res), idToken: t.id_token };
}

const loggedOut = (srv: Awaited<ReturnType<typeof serve>>) => srv.s.control.events({ type: 'logout' }).length;

describe('mock server: logout CSRF', () => {
  for (const path of ['/v2/logout?returnTo=http%3A%2F%2Flocalhost%3A3000%2F', '/oidc/logout']) {
    it(`a cross-site navigation to ${path.split('?')[0]} keeps the session and shows a confirmation page`, async () => {
      const { srv, cookie } = await signedIn();
      const res = await srv.fetch(path, { headers: { Cookie: cookie, ...CROSS, Accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('rotor_session=;'))).toBe(false);
      const page = await res.text();
      expect(page).toMatch(/<form method="post"/);
      expect(loggedOut(srv)).toBe(0);
      expect(srv.s.control.events({ type: 'logout' })).toHaveLength(0);
      // the form posts back with the session's CSRF token, and then the session ends
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const action = /action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
      const fields = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#38;/g, '&').replace(/&#58;/g, ':')]));
      const confirm = await srv.fetch(action, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
        body: new URLSearchParams({ ...fields, csrf }).toString(),
      });
      expect([200, 302]).toContain(confirm.status);
      expect(loggedOut(srv)).toBe(1);
    });
  }

  it('a cross-site confirmation post with a wrong or missing CSRF token keeps the session', async () => {
    const { srv, cookie } = await signedIn();
    for (const body of ['csrf=nope', '']) {
      const res = await srv.fetch('/v2/logout', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...CROSS }, body });
      expect(res.status).not.toBe(302);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('rotor_session=;'))).toBe(false);
    }
    expect(loggedOut(srv)).toBe(0);
  });

  it('one session\'s CSRF token does not confirm another session\'s logout', async () => {
    const { srv, cookie } = await signedIn();
    const other = await session(srv);
    const page = await (await srv.fetch('/v2/logout', { headers: { Cookie: other.cookie, ...CROSS } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await srv.fetch('/v2/logout', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...CROSS }, body: `csrf=${csrf}` });
    expect(res.status).not.toBe(302);
    expect(loggedOut(srv)).toBe(0);
  });

  for (const site of ['same-origin', 'same-site', 'none', null]) {
    it(`Sec-Fetch-Site: ${site ?? '(absent, a non-browser client)'} ends the session`, async () => {
      const { srv, cookie } = await signedIn();
      const res = await srv.fetch('/v2/logout?returnTo=http%3A%2F%2Flocalhost%3A3000%2F', { headers: { Cookie: cookie, ...(site ? { 'Sec-Fetch-Site': site } : {}) } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('http://localhost:3000/');
      expect(loggedOut(srv)).toBe(1);
    });
  }

  it("a cross-site navigation with a valid id_token_hint of the session's user ends the session", async () => {
    const { srv, cookie, idToken } = await signedIn();
    for (const path of [`/oidc/logout?id_token_hint=${idToken}`, `/v2/logout?id_token_hint=${idToken}`]) {
      const again = path.startsWith('/v2') ? (await session(srv)).cookie : cookie;
      const res = await srv.fetch(path, { headers: { Cookie: again, ...CROSS } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('You are signed out');
    }
    expect(loggedOut(srv)).toBe(2);
  });

  it("an attacker's own valid id_token_hint (another user) does not end the victim's session", async () => {
    const srv = await serve({ users: USERS });
    close = srv.close;
    const victim = await formSession(srv, 'demo');
    const mallory = await formSession(srv, 'mallory');
    const res = await srv.fetch(`/oidc/logout?id_token_hint=${mallory.idToken}`, { headers: { Cookie: victim.cookie, ...CROSS } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<form method="post"/);
    expect(loggedOut(srv)).toBe(0);
  });

  it("a cross-site navigation from a page on the client's own origin (Referer/Origin, as the SDK's logout() sends) ends it; an attacker's page does not", async () => {
    const { srv, cookie } = await signedIn();
    for (const headers of [{ Referer: 'https://evil.example/page' }, { Referer: 'https://app.rotor.test.evil.example/' }, { Origin: 'null' }] as Record<string, string>[]) {
      const res = await srv.fetch('/v2/logout?client_id=demo&returnTo=http%3A%2F%2Flocalhost%3A3000%2F', { headers: { Cookie: cookie, ...CROSS, ...headers } });
      expect(res.status).toBe(200);
      expect(loggedOut(srv)).toBe(0);
    }
    const app = await srv.fetch('/v2/logout?client_id=demo&returnTo=http%3A%2F%2Flocalhost%3A3000%2F', { headers: { Cookie: cookie, ...CROSS, Referer: 'http://localhost:3000/' } });
    expect(app.status).toBe(302);
    expect(loggedOut(srv)).toBe(1);
  });

  it('redirect validation is unchanged: a cross-site request with a bad returnTo is still a 400', async () => {
    const { srv, cookie } = await signedIn();
    const res = await srv.fetch(`/v2/logout?returnTo=${encodeURIComponent('https://evil.example/')}`, { headers: { Cookie: cookie, ...CROSS } });
    expect(res.status).toBe(400);
    expect(loggedOut(srv)).toBe(0);
  });
});
