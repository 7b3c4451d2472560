import { describe, expect, it } from 'vitest';
import { ControlError } from '../../src/mock-server/index.js';
import { get, login, postJson, refresh, server } from './helpers.js';

const ctl = async <T>(s: ReturnType<typeof server>, path: string, body?: unknown): Promise<{ status: number; body: T; res: Response }> => {
  const res = body === undefined ? await get(s, `/__control/${path}`) : await postJson(s, `/__control/${path}`, body);
  return { status: res.status, body: (await res.json()) as T, res };
};

describe('control API over HTTP mirrors control', () => {
  it('families, events (since/type), clock and reset', async () => {
    const s = server();
    const t0 = await login(s);
    await refresh(s, t0.refresh_token!);
    const fams = await ctl<unknown[]>(s, 'families');
    expect(fams.body).toEqual(s.control.families());
    expect(fams.res.headers.get('access-control-allow-origin')).toBeNull(); // no Origin, no CORS
    const fam = s.control.families()[0]!;
    expect((await ctl(s, `families/${fam.id}`)).body).toEqual(fam);
    expect((await ctl(s, 'families/nope')).status).toBe(404);
    const all = s.control.events();
    const since = all[2]!.seq;
    expect((await ctl(s, `events?since=${since}`)).body).toEqual(all.filter((e) => e.seq > since));
    expect((await ctl<Array<{ grant_type: string }>>(s, 'events?type=token_request')).body.map((e) => e.grant_type)).toEqual(['authorization_code', 'refresh_token']);
    const before = s.control.now();
    const clock = await ctl<{ now: number }>(s, 'clock', { advance: 3600 });
    expect(clock.body.now - before).toBeGreaterThanOrEqual(3600_000);
    expect((await ctl(s, 'reset', {})).body).toEqual({ ok: true });
    expect(s.control.families()).toEqual([]);
    expect(s.control.now() - Date.now()).toBeLessThan(1000);
  });

  it('answers CORS preflights for loopback origins so a demo page on another port can call it', async () => {
    const s = server();
    for (const origin of ['http://localhost:8080', 'http://127.0.0.1:5173', 'https://app.localhost', 'http://[::1]:3000']) {
      const res = await s.fetch(new Request('http://127.0.0.1:4000/__control/replay', { method: 'OPTIONS', headers: { Origin: origin } }));
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-headers')).toContain('Content-Type');
    }
  });

  it('refuses any control request from a foreign Origin before it acts, and simple (non-JSON) POSTs', async () => {
    const s = server();
    await login(s);
    const before = s.control.now();
    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'http://127.0.0.1.evil.example']) {
      const pre = await s.fetch(new Request('http://127.0.0.1:4000/__control/clock', { method: 'OPTIONS', headers: { Origin: origin } }));
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      // a "simple" cross-site POST needs no preflight: it must be refused itself
      const simple = await s.fetch(new Request('http://127.0.0.1:4000/__control/clock', { method: 'POST', headers: { Origin: origin, 'Content-Type': 'text/plain' }, body: '{"advance":3600}' }));
      expect(simple.status).toBe(403);
      const read = await s.fetch(new Request('http://127.0.0.1:4000/__control/families', { headers: { Origin: origin } }));
      expect(read.status).toBe(403);
      expect(await read.text()).not.toContain('refresh');
    }
    // without an Origin (curl, Node), a text/plain or form body is refused too
    const plain = await s.fetch(new Request('http://127.0.0.1:4000/__control/clock', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"advance":3600}' }));
    expect(plain.status).toBe(415);
    expect(s.control.now() - before).toBeLessThan(60_000);
    expect(s.control.families()).toHaveLength(1);
  });

  it('controlOrigins adds a non-loopback origin', async () => {
    const s = server({ controlOrigins: ['https://dashboard.example'] });
    const ok = await postJson(s, '/__control/clock', { advance: 10 }, { Origin: 'https://dashboard.example' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    expect((await postJson(s, '/__control/clock', { advance: 10 }, { Origin: 'https://other.example' })).status).toBe(403);
  });

  it('a malformed percent-escape in a path segment is a 400, not a 500', async () => {
    const s = server();
    for (const path of ['families/%ZZ', 'families/%E0%A4%A']) expect((await ctl(s, path)).status).toBe(400);
    for (const path of ['users/%ZZ/revoke-consent', 'users/%ZZ/require-mfa', 'users/%ZZ/decline-scopes']) expect((await ctl(s, path, {})).status).toBe(400);
  });

  it('bad control calls: 400 over HTTP, ControlError in process, unknown paths 404, wrong methods 405', async () => {
    const s = server();
    expect(await ctl(s, 'clock', { advance: 'soon' })).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'advance must be a number of seconds >= 0' } });
    expect(() => s.control.advanceClock(-1)).toThrow(ControlError);
    expect((await ctl(s, 'faults', { failNext: { status: 418 } })).status).toBe(400);
    expect((await ctl(s, 'faults', { failNext: null })).status).toBe(400);
    expect((await ctl(s, 'faults', { delayMs: '5' })).status).toBe(400);
    expect((await ctl(s, 'faults', { dropNextRotation: 2, delayMs: -1 })).status).toBe(400);
    expect(s.control.faults()).toEqual({ dropNextRotation: 0, delayMs: 0, failNext: null });
    expect((await ctl(s, 'nope')).status).toBe(404);
    expect((await ctl(s, 'reset')).status).toBe(405);
    const junk = await s.fetch(new Request('http://127.0.0.1:4000/__control/clock', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' }));
    expect(junk.status).toBe(400);
    expect((await ctl(s, 'replay', { family: 'nope' })).status).toBe(404);
  });

  it('keeps only the last maxEvents events', async () => {
    const s = server({ maxEvents: 5 });
    for (let i = 0; i < 200; i++) s.control.advanceClock(1);
    const events = s.control.events();
    expect(events.map((e) => e.type)).toEqual(Array(5).fill('clock.advanced'));
    expect(events.map((e) => e.seq)).toEqual([196, 197, 198, 199, 200]);
  });

  it('controlApi: false serves no control API', async () => {
    const s = server({ controlApi: false });
    expect((await get(s, '/__control/families')).status).toBe(404);
  });
});

describe('faults', () => {
  it('429 with Retry-After and 500/503 change nothing, then the token works', async () => {
    const s = server();
    const t0 = await login(s);
    expect((await ctl(s, 'faults', { failNext: { status: 429, retryAfter: 7 } })).body).toEqual({ dropNextRotation: 0, delayMs: 0, failNext: { status: 429, count: 1, retryAfter: 7 } });
    const limited = await postJson(s, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo', refresh_token: t0.refresh_token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: 'Injected fault: HTTP 429' });
    s.control.faults({ failNext: { status: 503, count: 2 } });
    expect((await refresh(s, t0.refresh_token!)).status).toBe(503);
    expect((await refresh(s, t0.refresh_token!)).body.error).toBe('temporarily_unavailable');
    expect(s.control.families()[0]!.rotations).toBe(0);
    s.control.faults({ failNext: { status: 500 } });
    expect((await refresh(s, t0.refresh_token!)).body.error).toBe('server_error');
    expect((await refresh(s, t0.refresh_token!)).status).toBe(200);
    expect(s.control.events({ type: 'token_request' }).map((e) => e.status)).toEqual([200, 429, 503, 503, 500, 200]);
  });

  it('drop: the rotation is applied, the response is a network error; within the reuse interval the retry recovers', async () => {
    const s = server({ reuseInterval: 30 });
    const t0 = await login(s);
    s.control.faults({ dropNextRotation: true });
    const res = await s.fetch(new Request('http://127.0.0.1:4000/oauth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: t0.refresh_token! }),
    }));
    expect(res.type).toBe('error');
    expect(s.control.families()[0]!.rotations).toBe(1);
    expect(s.control.faults().dropNextRotation).toBe(0);
    const retry = await refresh(s, t0.refresh_token!);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(s.control.families()[0]!.tokens[1]!.value);
  });

  it('delay holds token responses back; clear removes every fault', async () => {
    const s = server();
    const t0 = await login(s);
    s.control.faults({ delayMs: 30 });
    const order: string[] = [];
    const slow = refresh(s, t0.refresh_token!).then(() => order.push('token'));
    await get(s, '/.well-known/jwks.json').then(() => order.push('jwks'));
    await slow;
    expect(order).toEqual(['jwks', 'token']);
    expect(s.control.faults({ clear: true })).toEqual({ dropNextRotation: 0, delayMs: 0, failNext: null });
  });
});

describe('user-level invalidation and replay', () => {
  it('revoking consent revokes the user\'s families for the client', async () => {
    const s = server();
    const t0 = await login(s);
    const { body } = await ctl<{ revokedFamilies: string[] }>(s, 'users/user-1/revoke-consent', {});
    expect(body.revokedFamilies).toEqual([s.control.families()[0]!.id]);
    expect(s.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'consent_revoked' });
    expect((await refresh(s, t0.refresh_token!)).status).toBe(403);
    expect((await ctl(s, 'users/nobody/revoke-consent', {})).status).toBe(400);
  });

  it('requiring MFA revokes the user\'s refresh tokens', async () => {
    const s = server();
    const t0 = await login(s);
    await ctl(s, 'users/user-1/require-mfa', {});
    expect(s.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'mfa_required' });
    expect((await refresh(s, t0.refresh_token!)).status).toBe(403);
    // autoLogin satisfies MFA, so a new login works
    expect((await login(s)).refresh_token).toBeTruthy();
  });

  it('replay presents the previous token as an attacker would: the family is revoked', async () => {
    const s = server();
    const t0 = await login(s);
    const r1 = await refresh(s, t0.refresh_token!);
    const fam = s.control.families()[0]!;
    const { body } = await ctl<{ presented: string; status: number; body: { error: string } }>(s, 'replay', { family: fam.id });
    expect(body).toMatchObject({ presented: t0.refresh_token, status: 403, body: { error: 'invalid_grant' } });
    expect(s.control.family(fam.id)).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
    expect((await refresh(s, r1.body.refresh_token!)).status).toBe(403);
    expect(s.control.events({ type: 'refresh_token.reuse_detected' })[0]).toMatchObject({ replay: true, family: fam.id });
  });

  it('replay of a family that never rotated uses its current token: the legitimate client then trips reuse', async () => {
    const s = server();
    const t0 = await login(s);
    const fam = s.control.families()[0]!;
    const r = await s.control.replay(fam.id);
    expect(r.status).toBe(200);
    expect(await refresh(s, t0.refresh_token!)).toMatchObject({ status: 403 });
    expect(s.control.family(fam.id)).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
  });

  it('itp switch over HTTP', async () => {
    const s = server();
    expect((await ctl(s, 'itp', { enabled: true })).body).toEqual({ enabled: true });
    expect((await ctl(s, 'itp')).body).toEqual({ enabled: true });
    expect(s.control.itpEnabled()).toBe(true);
    expect((await ctl(s, 'itp', { enabled: 'yes' })).status).toBe(400);
  });
});
