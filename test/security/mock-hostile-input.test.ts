import { afterEach, describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { authorize, get, login, postForm, postJson, server } from '../mock-server/helpers.js';

// Own attacks: prototype-pollution keys in JSON and form bodies (own data or dropped, never assignments),
// and over-long parameter strings, against the mock server.
const KEYS = ['__proto__', 'constructor', 'prototype'];

function polluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return probe.polluted !== undefined || probe.isAdmin !== undefined || (Object.prototype as Record<string, unknown>).polluted !== undefined;
}

afterEach(() => {
  for (const k of ['polluted', 'isAdmin']) delete (Object.prototype as Record<string, unknown>)[k];
});

describe('mock server: prototype-pollution keys in request bodies', () => {
  it('JSON bodies to the token, revoke, login, logout and userinfo endpoints: no pollution, no 5xx', async () => {
    const s = server();
    const t = await login(s);
    const payload = `{"__proto__":{"polluted":1,"isAdmin":true},"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3},"grant_type":"refresh_token","client_id":"demo","refresh_token":"${t.refresh_token}"}`;
    for (const path of ['/oauth/token', '/oauth/revoke', '/u/login', '/oidc/logout', '/authorize', '/userinfo']) {
      const res = await s.fetch(new Request(`http://127.0.0.1:4000${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: payload }));
      expect(res.status, path).toBeLessThan(500);
      expect(polluted(), path).toBe(false);
    }
  });

  it('a JSON token request: the keys are own data that the grant ignores (the refresh still works as without them)', async () => {
    const s = server();
    const t = await login(s);
    const res = await s.fetch(
      new Request('http://127.0.0.1:4000/oauth/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: `{"__proto__":{"scope":"admin"},"grant_type":"refresh_token","client_id":"demo","refresh_token":"${t.refresh_token}"}`,
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { scope: string };
    expect(body.scope).toBe(t.scope);
    expect(polluted()).toBe(false);
  });

  it('form bodies with __proto__[x]=, constructor[prototype][x]= and bare keys', async () => {
    const s = server();
    for (const path of ['/oauth/token', '/oauth/revoke', '/u/login', '/authorize', '/v2/logout', '/oidc/logout']) {
      const res = await postForm(s, path, { '__proto__[polluted]': '1', 'constructor[prototype][polluted]': '1', __proto__: 'x', constructor: 'y', prototype: 'z', client_id: 'demo' } as Record<string, string>);
      expect(res.status, path).toBeLessThan(500);
      expect(polluted(), path).toBe(false);
    }
  });

  it('the control API: {"__proto__": {...}} in fault and clock bodies changes nothing', async () => {
    const s = server();
    const faults = await postJson(s, '/__control/faults', JSON.parse('{"__proto__":{"delayMs":5000,"dropNextRotation":3}}'));
    expect(faults.status).toBe(200);
    expect(s.control.faults()).toEqual({ dropNextRotation: 0, delayMs: 0, failNext: null });
    const raw = await s.fetch(new Request('http://127.0.0.1:4000/__control/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"__proto__":{"delayMs":5000},"constructor":{"prototype":{"delayMs":1}}}' }));
    expect(raw.status).toBeLessThan(500);
    expect(s.control.faults().delayMs).toBe(0);
    const clock = await s.fetch(new Request('http://127.0.0.1:4000/__control/clock', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"__proto__":{"advance":3600}}' }));
    expect(clock.status).toBe(400);
    expect(polluted()).toBe(false);
    expect(({} as { delayMs?: number }).delayMs).toBeUndefined();
  });

  it('scopes and user/family ids named __proto__ / constructor are plain strings', async () => {
    const s = server();
    for (const k of KEYS) {
      const { params } = await authorize(s, { scope: `openid ${k}`, state: k });
      expect(params.get('state')).toBe(k);
      expect((await get(s, `/__control/families/${k}`)).status).toBe(404);
      expect((await postJson(s, `/__control/users/${k}/decline-scopes`, { scopes: [] })).status).toBeLessThan(500);
    }
    expect(polluted()).toBe(false);
  });
});

describe('mock server: over-long parameter strings', () => {
  const long = 'a'.repeat(100_000);
  const longUrl = `https://app.rotor.test/${'x'.repeat(50_000)}`;

  it('every endpoint answers a 4xx (never 5xx, never the whole value echoed)', async () => {
    const s = server();
    const cases: Array<[string, Promise<Response>]> = [
      ['authorize state', authorize(s, { state: long }).then((a) => a.res)],
      ['authorize redirect_uri', authorize(s, { redirect_uri: longUrl }, { Accept: 'text/html' }).then((a) => a.res)],
      ['authorize client_id', authorize(s, { client_id: long }, { Accept: 'text/html' }).then((a) => a.res)],
      ['authorize audience', authorize(s, { audience: long }, { Accept: 'text/html' }).then((a) => a.res)],
      ['token', postForm(s, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo', refresh_token: long })],
      ['revoke', postForm(s, '/oauth/revoke', { client_id: 'demo', token: long })],
      ['login', postForm(s, '/u/login', { state: long, username: long, password: long })],
      ['login page', get(s, `/u/login?state=${long}`)],
      ['v2 logout', get(s, `/v2/logout?returnTo=${encodeURIComponent(longUrl)}`)],
      ['oidc logout', get(s, `/oidc/logout?id_token_hint=${long}`)],
      ['userinfo', get(s, '/userinfo', { Authorization: `Bearer ${long}` })],
      ['api', get(s, '/api/private', { Authorization: `Bearer ${long}` })],
      ['control family', get(s, `/__control/families/${long}`)],
      ['unknown path', get(s, `/${long}`)],
    ];
    for (const [name, p] of cases) {
      const res = await p;
      const text = await res.text();
      expect(res.status, name).toBeGreaterThanOrEqual(300);
      expect(res.status, name).toBeLessThan(500);
      expect(text.length, name).toBeLessThan(20_000);
      expect(res.headers.get('location')?.length ?? 0, name).toBeLessThan(10_000);
    }
  });

  it('the terminal line for an over-long or multi-line value stays one short line', async () => {
    const lines: string[] = [];
    const s = createMockServer({ onLog: (l) => lines.push(l) });
    await authorize(s, { redirect_uri: 'https://a.example/\r\nFAKE LOG LINE' });
    await authorize(s, { client_id: 'x'.repeat(4000) });
    await authorize(s, { audience: 'y'.repeat(4000) });
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).not.toMatch(/[\r\n]/);
      expect(l.length).toBeLessThan(1200);
    }
  });
});
