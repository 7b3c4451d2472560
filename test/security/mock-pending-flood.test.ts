import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/mock-server/limits.js';
import { authorize, cookiesOf, get, postForm, serve } from '../mock-server/helpers.js';

// issue 23, "also noticed": 1,500 anonymous /authorize calls evicted a real user's pending login.
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe('mock server: pending logins under an anonymous /authorize flood', () => {
  it('a started (bound) login survives 1,500 anonymous /authorize calls, over real HTTP for the user', async () => {
    const srv = await serve();
    close = srv.close;
    // the user's browser: /authorize sets the binding cookie, the redirect shows the form
    const start = await authorize(srv.s);
    const loc = new URL(start.location);
    const cookie = cookiesOf(start.res);
    const id = loc.searchParams.get('state')!;
    expect((await srv.fetch(`/u/login?state=${id}`, { headers: { Cookie: cookie } })).status).toBe(200);
    // the flood: anonymous /authorize calls for the same client (no cookie)
    for (let i = 0; i < 1500; i++) expect((await authorize(srv.s)).res.status).toBe(302);
    expect(srv.s.control.events({ type: 'authorize' }).length).toBeGreaterThan(1500);
    const res = await srv.fetch('/u/login', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({ state: id, username: 'demo', password: 'demo' }).toString(),
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('anonymous (never shown) pending logins are capped per client; the newest still work', async () => {
    const srv = await serve();
    close = srv.close;
    const ids: string[] = [];
    for (let i = 0; i < LIMITS.pendingUnstartedPerClient + 10; i++) ids.push(new URL((await authorize(srv.s)).location).searchParams.get('state')!);
    expect((await get(srv.s, `/u/login?state=${ids[0]}`)).status).toBe(400);
    const last = await authorize(srv.s);
    expect((await postForm(srv.s, '/u/login', { state: new URL(last.location).searchParams.get('state')!, username: 'demo', password: 'demo' })).status).toBe(302);
  });
});
