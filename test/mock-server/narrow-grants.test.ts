import { describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { GRANT_PREFIX } from '../../src/mock-server/routes/login.js';
import { authorize, exchange, get, login, postForm, postJson, refresh, server, loginCookie } from './helpers.js';

describe('narrower grants (the user grants less than asked)', () => {
  it('a user with declineScopes: offline_access gets a narrower scope and no refresh token', async () => {
    const s = createMockServer({
      autoLogin: 'u',
      users: [{ sub: 'u', username: 'u', password: 'p', declineScopes: ['offline_access'] }],
    });
    const t = await login(s);
    expect(t.scope).toBe('openid profile email');
    expect(t.refresh_token).toBeUndefined();
    expect(s.control.families()).toEqual([]);
  });

  it('control.declineScopes (and POST /__control/users/:sub/decline-scopes) narrows later grants; [] restores them', async () => {
    const s = server();
    expect(s.control.declineScopes('user-1', ['offline_access', 'email'])).toEqual({ sub: 'user-1', declineScopes: ['offline_access', 'email'] });
    const narrow = await login(s);
    expect(narrow.scope).toBe('openid profile');
    expect(narrow.refresh_token).toBeUndefined();
    const http = await postJson(s, '/__control/users/user-1/decline-scopes', { scopes: [] });
    expect(await http.json()).toEqual({ sub: 'user-1', declineScopes: [] });
    const full = await login(s);
    expect(full.scope).toBe('openid profile email offline_access');
    expect(() => s.control.declineScopes('user-1', ['openid'])).toThrow('openid cannot be declined');
    expect(() => s.control.declineScopes('ghost', [])).toThrow('Unknown user');
    expect(s.control.events({ type: 'consent.narrowed' })).toHaveLength(2);
  });

  it('the consent screen: an unticked offline_access is declined, and the consent remembers it', async () => {
    const s = createMockServer();
    const a = await authorize(s);
    const loginUrl = a.location;
    const state = new URL(loginUrl).searchParams.get('state')!;
    const page = await (await get(s, new URL(loginUrl).pathname + new URL(loginUrl).search)).text();
    expect(page).toContain(`name="${GRANT_PREFIX}offline_access" checked`);
    expect(page).not.toContain(`name="${GRANT_PREFIX}openid"`);
    // the browser sends ticked boxes only: profile and email stay, offline_access was unticked
    const res = await postForm(s, '/u/login', { state, username: 'demo', password: 'demo', consent: '1', [`${GRANT_PREFIX}profile`]: 'on', [`${GRANT_PREFIX}email`]: 'on' }, loginCookie(a.res));
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const t = (await (await exchange(s, code, a.verifier)).json()) as { scope: string; refresh_token?: string };
    expect(t.scope).toBe('openid profile email');
    expect(t.refresh_token).toBeUndefined();
    // a later silent authorization with the same session keeps the narrower grant
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const silent = await authorize(s, { prompt: 'none' }, { Cookie: cookie });
    const t2 = (await (await exchange(s, silent.params.get('code')!, silent.verifier)).json()) as { scope: string };
    expect(t2.scope).toBe('openid profile email');
  });

  it('a form without the consent field (older scripts) grants everything asked', async () => {
    const s = createMockServer();
    const a = await authorize(s);
    const state = new URL(a.location).searchParams.get('state')!;
    const res = await postForm(s, '/u/login', { state, username: 'demo', password: 'demo' }, loginCookie(a.res));
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const t = (await (await exchange(s, code, a.verifier)).json()) as { scope: string };
    expect(t.scope).toBe('openid profile email offline_access');
  });

  it('refresh scope (RFC 6749 §6): beyond the grant is invalid_scope and changes nothing; a subset or the same is fine', async () => {
    const s = server();
    s.control.declineScopes('user-1', ['email']);
    const t = await login(s);
    expect(t.scope).toBe('openid profile offline_access');
    const beyond = await refresh(s, t.refresh_token!, { scope: 'openid profile email offline_access' });
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toBe('invalid_scope');
    expect(s.control.families()[0]!.rotations).toBe(0);
    const same = await refresh(s, t.refresh_token!, { scope: 'openid profile offline_access' });
    expect(same.status).toBe(200);
    expect(same.body.scope).toBe('openid profile offline_access');
    const narrower = await refresh(s, same.body.refresh_token!, { scope: 'openid' });
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('openid');
    // narrowing one refresh does not shrink the grant: the next may ask for the whole grant again
    const whole = await refresh(s, narrower.body.refresh_token!);
    expect(whole.body.scope).toBe('openid profile offline_access');
  });
});

describe('events stream and favicon', () => {
  it('GET /__control/events/stream sends server-sent events, replaying after Last-Event-ID', async () => {
    const s = server();
    await login(s);
    const seen = s.control.events();
    const res = await s.fetch(new Request('http://127.0.0.1:4000/__control/events/stream', { headers: { 'Last-Event-ID': String(seen[0]!.seq), Origin: 'http://localhost:5173' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    const until = async (pred: () => boolean) => {
      while (!pred()) text += dec.decode((await reader.read()).value);
    };
    await until(() => text.includes(`id: ${seen[seen.length - 1]!.seq}\n`));
    expect(text).not.toContain(`id: ${seen[0]!.seq}\n`);
    s.control.advanceClock(5);
    await until(() => text.includes('event: clock.advanced'));
    const data = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { type: string });
    expect(data.map((e) => e.type)).toEqual([...seen.slice(1).map((e) => e.type), 'clock.advanced']);
    await reader.cancel();
  });

  it('the stream refuses a foreign Origin like the rest of the control API', async () => {
    const s = server();
    const res = await s.fetch(new Request('http://127.0.0.1:4000/__control/events/stream', { headers: { Origin: 'https://evil.example' } }));
    expect(res.status).toBe(403);
  });

  it('a token request reaches the stream with its status filled in', async () => {
    const s = server();
    const got: Array<{ type: string; status?: number }> = [];
    const off = s.control.onEvent((e) => got.push(e));
    await login(s);
    off();
    expect(got.find((e) => e.type === 'token_request')?.status).toBe(200);
    s.control.advanceClock(1);
    expect(got.some((e) => e.type === 'clock.advanced')).toBe(false);
  });

  it('/favicon.ico answers 204', async () => {
    expect((await get(server(), '/favicon.ico')).status).toBe(204);
  });
});

describe('events stream over a real socket', () => {
  it('streams through the node bridge until the client disconnects', async () => {
    const s = server();
    const l = await s.listen(0);
    try {
      const ac = new AbortController();
      const res = await fetch(`${l.url}/__control/events/stream`, { signal: ac.signal });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let text = '';
      s.control.advanceClock(7);
      while (!text.includes('event: clock.advanced')) text += dec.decode((await reader.read()).value);
      expect(text).toContain('"seconds":7');
      ac.abort();
    } finally {
      await l.close();
    }
  });
});
