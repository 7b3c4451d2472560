import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockServer, type MockServer } from '../../src/mock-server/index.js';
import { LIMITS } from '../../src/mock-server/limits.js';
import { authorize, CLIENT, get, login, ORIGIN, pkce, REDIRECT, refresh, server } from './helpers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A session cookie from a login through /authorize (autoLogin). */
async function sessionCookie(s: MockServer): Promise<string> {
  const a = await authorize(s);
  return a.res.headers.get('set-cookie')!.split(';')[0]!;
}

async function sessionAlive(s: MockServer, cookie: string): Promise<boolean> {
  const a = await authorize(s, { prompt: 'none' }, { Cookie: cookie });
  return a.params.has('code');
}

describe('header values: encoded or refused with a 4xx, before any state change', () => {
  it('/v2/logout?returnTo= with non-Latin-1 characters redirects to the percent-encoded URL', async () => {
    const s = server();
    const cookie = await sessionCookie(s);
    const res = await get(s, `/v2/logout?returnTo=${encodeURIComponent('http://localhost:5173/ログアウト?x=é✓')}`, { Cookie: cookie });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost:5173/%E3%83%AD%E3%82%B0%E3%82%A2%E3%82%A6%E3%83%88?x=%C3%A9%E2%9C%93');
    expect(await sessionAlive(s, cookie)).toBe(false);
  });

  it('/v2/logout?returnTo= with CR/LF, NUL or spaces is a 400 and the session stays', async () => {
    const s = server();
    const cookie = await sessionCookie(s);
    for (const bad of ['http://localhost:5173/\r\nSet-Cookie: x=1', 'http://localhost:5173/\u0000', 'http://localhost:5173/a b', 'http://localhost:5173/\u2028']) {
      const res = await get(s, `/v2/logout?returnTo=${encodeURIComponent(bad)}`, { Cookie: cookie });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
    expect(await sessionAlive(s, cookie)).toBe(true);
    const oidc = await get(s, `/oidc/logout?client_id=${CLIENT}&post_logout_redirect_uri=${encodeURIComponent('http://localhost:1/\r\n')}`, { Cookie: cookie });
    expect(oidc.status).toBe(400);
    expect(await sessionAlive(s, cookie)).toBe(true);
  });

  it('fragment-mode error redirects with non-Latin-1 state and redirect URI are encoded', async () => {
    const s = server();
    const { challenge } = pkce();
    const q = new URLSearchParams({
      client_id: CLIENT, redirect_uri: 'http://localhost:3000/ログイン', response_type: 'code', response_mode: 'fragment',
      code_challenge: challenge, code_challenge_method: 'S256', state: 'ステート\r\n\u0000', prompt: 'bogus',
    });
    const res = await get(s, `/authorize?${q}`);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.pathname).toBe('/%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3');
    const frag = new URLSearchParams(loc.hash.slice(1));
    expect(frag.get('error')).toBe('invalid_request');
    expect(frag.get('state')).toBe('ステート\r\n\u0000');
  });

  it('a redirect_uri with control characters is refused directly (never put in a Location)', async () => {
    const s = server();
    const a = await authorize(s, { redirect_uri: 'http://localhost:3000/cb\r\nX: y' });
    expect(a.res.status).toBe(400);
  });

  it('property: any returnTo, state, redirect_uri and control path never gets a 5xx', async () => {
    const s = server();
    const text = fc.string({ unit: 'binary', maxLength: 24 });
    await fc.assert(
      fc.asyncProperty(text, text, fc.constantFrom('query', 'fragment', 'web_message'), async (a, b, mode) => {
        const { challenge } = pkce();
        const responses = await Promise.all([
          get(s, `/v2/logout?returnTo=${encodeURIComponent(`http://localhost:5173/${a}`)}`),
          get(s, `/oidc/logout?client_id=${CLIENT}&post_logout_redirect_uri=${encodeURIComponent(`http://127.0.0.1:9/${a}`)}&state=${encodeURIComponent(b)}`),
          get(s, `/authorize?${new URLSearchParams({ client_id: CLIENT, redirect_uri: `http://localhost:3000/${a}`, response_type: 'code', response_mode: mode, state: b, code_challenge: challenge, code_challenge_method: 'S256', prompt: 'none' })}`),
          s.fetch(new Request(`${ORIGIN}/__control/families/${a.replace(/[/?#]/g, '')}%${b.slice(0, 2)}`)),
          s.fetch(new Request(`${ORIGIN}/__control/users/%${a.slice(0, 2)}/revoke-consent`, { method: 'POST' })),
        ]);
        for (const r of responses) expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 120, seed: 12 },
    );
  });
});

describe('issuer pinned by listen(), never taken from Host', () => {
  it('in process without listen(): the issuer option, else the request URL origin', async () => {
    const s = server();
    expect(s.issuer).toBeNull();
    const doc = (await (await s.fetch(new Request('http://auth.test:9/.well-known/openid-configuration'))).json()) as { issuer: string };
    expect(doc.issuer).toBe('http://auth.test:9/');
    const fixed = server({ issuer: 'https://tenant.rotor.test/' });
    expect(((await (await fixed.fetch(new Request('http://auth.test/.well-known/openid-configuration'))).json()) as { issuer: string }).issuer).toBe('https://tenant.rotor.test/');
  });

  it('listen() pins the issuer for HTTP and in-process requests; a foreign Host is refused (DNS rebinding)', async () => {
    const s = server();
    const l = await s.listen(0, '127.0.0.1');
    closers.push(l.close);
    expect(s.issuer).toBe(`${l.url}/`);
    const port = new URL(l.url).port;
    const { request } = await import('node:http');
    const getWithHost = (host: string, path = '/.well-known/openid-configuration') =>
      new Promise<{ status: number; body: string; location: string | undefined }>((resolve, reject) => {
        const r = request(`${l.url}${path}`, { headers: { Host: host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body, location: res.headers.location }));
        });
        r.on('error', reject);
        r.end();
      });
    const evil = await getWithHost(`evil.example:${port}`);
    expect(evil.status).toBe(421);
    expect(evil.body).not.toContain('evil.example');
    const a = await getWithHost('evil.example', `/authorize?client_id=${CLIENT}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&code_challenge=${pkce().challenge}&code_challenge_method=S256`);
    expect(a.status).toBe(421);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      const ok = await getWithHost(host);
      expect(ok.status).toBe(200);
      expect((JSON.parse(ok.body) as { issuer: string }).issuer).toBe(`${l.url}/`);
    }
    const inProcess = (await (await s.fetch(new Request('http://elsewhere.test/.well-known/openid-configuration'))).json()) as { issuer: string };
    expect(inProcess.issuer).toBe(`${l.url}/`);
    await l.close();
    closers.pop();
    expect(s.issuer).toBeNull();
  });
});

describe('bounded memory: caps and sweeps on access', () => {
  it('abandoned logins beyond the cap drop the oldest transactions; the newest still work', async () => {
    const s = createMockServer();
    const ids: string[] = [];
    for (let i = 0; i < LIMITS.pending + 50; i++) {
      const a = await authorize(s);
      ids.push(new URL(a.location).searchParams.get('state')!);
    }
    expect((await get(s, `/u/login?state=${ids[0]}`)).status).toBe(400);
    expect((await get(s, `/u/login?state=${ids[ids.length - 1]}`)).status).toBe(200);
  });

  it('abandoned logins expire after 10 minutes of server time (swept on access)', async () => {
    const s = createMockServer();
    const a = await authorize(s);
    const id = new URL(a.location).searchParams.get('state')!;
    s.control.advanceClock(601);
    expect((await get(s, `/u/login?state=${id}`)).status).toBe(400);
  });

  it('a family remembers its last LIMITS.tokensPerFamily refresh tokens; rotation and reuse detection go on', async () => {
    const s = server();
    let rt = (await login(s)).refresh_token!;
    const first = rt;
    let previous = rt;
    for (let i = 0; i < LIMITS.tokensPerFamily + 20; i++) {
      const r = await refresh(s, rt);
      expect(r.status).toBe(200);
      previous = rt;
      rt = r.body.refresh_token!;
    }
    const [fam] = s.control.families();
    expect(fam!.tokens).toHaveLength(LIMITS.tokensPerFamily);
    expect(fam!.rotations).toBe(LIMITS.tokensPerFamily + 20);
    expect((await refresh(s, first)).status).toBe(403); // forgotten: unknown
    expect(s.control.families()[0]!.status).toBe('active');
    expect((await refresh(s, previous)).status).toBe(403); // remembered: reuse detected
    expect(s.control.families()[0]!.status).toBe('revoked');
  });
});
