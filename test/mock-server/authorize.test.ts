import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { authorize, CLIENT, exchange, get, ISSUER, ORIGIN, pkce, postForm, REDIRECT, server, loginCookie } from './helpers.js';

const IFRAME = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'iframe' };

function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie()[0] ?? '';
  return set.split(';')[0]!;
}

/** Logs in through the HTML form (no autoLogin); returns the session cookie and the redirect. */
async function formLogin(s = createMockServer(), extra: Record<string, string> = {}) {
  const a = await authorize(s, extra);
  expect(a.res.status).toBe(302);
  const loginUrl = new URL(a.location);
  expect(loginUrl.pathname).toBe('/u/login');
  const page = await get(s, `${loginUrl.pathname}${loginUrl.search}`);
  expect(page.status).toBe(200);
  const htmlText = await page.text();
  expect(htmlText).toContain('name="username"');
  expect(htmlText).toContain('name="password"');
  const res = await postForm(s, '/u/login', { state: loginUrl.searchParams.get('state')!, username: 'demo', password: 'demo' }, loginCookie(a.res));
  return { s, res, verifier: a.verifier, cookie: cookieOf(res), state: loginUrl.searchParams.get('state')! };
}

describe('/authorize', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers errors it cannot redirect (unknown client, bad redirect URI) directly as 400 JSON', async () => {
    const s = server();
    const unknown = await authorize(s, { client_id: 'nope' });
    expect(unknown.res.status).toBe(400);
    expect(await unknown.res.json()).toEqual({ error: 'invalid_client', error_description: 'Unknown client: nope' });
    const bad = await authorize(s, { redirect_uri: 'https://evil.test/cb' });
    expect(bad.res.status).toBe(400);
    expect(await bad.res.json()).toEqual({ error: 'invalid_request', error_description: 'redirect_uri is not allowed for this client' });
    expect(s.control.events({ type: 'code.issued' })).toHaveLength(0);
  });

  it('accepts loopback redirect URIs on any port and the test origin on any path', async () => {
    const s = server();
    for (const uri of ['http://localhost:1234/x', 'http://127.0.0.1:9/', 'http://[::1]:8080/cb', 'https://app.rotor.test/deep/path']) {
      const a = await authorize(s, { redirect_uri: uri });
      expect(a.location.startsWith(uri)).toBe(true);
      expect(a.params.get('code')).toBeTruthy();
    }
  });

  it('requires PKCE S256: missing challenge or plain → invalid_request with state and iss', async () => {
    const s = server();
    const missing = await authorize(s, { code_challenge: undefined, code_challenge_method: undefined });
    expect(Object.fromEntries(missing.params)).toEqual({
      error: 'invalid_request', error_description: 'PKCE is required: missing code_challenge', state: 'st-1', iss: ISSUER,
    });
    const plain = await authorize(s, { code_challenge_method: 'plain' });
    expect(plain.params.get('error_description')).toBe('code_challenge_method must be S256');
    expect(plain.params.get('iss')).toBe(ISSUER);
  });

  it('puts iss on every authorization response, errors included, in every response mode', async () => {
    const s = server();
    const err = await authorize(s, { response_type: 'token', response_mode: 'fragment' });
    const frag = new URLSearchParams(new URL(err.location).hash.slice(1));
    expect(Object.fromEntries(frag)).toMatchObject({ error: 'unsupported_response_type', state: 'st-1', iss: ISSUER });
    const ok = await authorize(s, { response_mode: 'fragment' });
    const okFrag = new URLSearchParams(new URL(ok.location).hash.slice(1));
    expect(okFrag.get('code')).toBeTruthy();
    expect(okFrag.get('iss')).toBe(ISSUER);
    expect(new URL(ok.location).search).toBe('');
  });

  it('web_message posts {type, response} to the redirect URI origin only', async () => {
    const s = server();
    const a = await authorize(s, { response_mode: 'web_message', redirect_uri: 'http://localhost:3000/app' });
    expect(a.res.status).toBe(200);
    const page = await a.res.text();
    const m = /postMessage\((\{.*\}), ("[^"]+")\)/.exec(page);
    expect(m).not.toBeNull();
    const message = JSON.parse(m![1]!) as { type: string; response: Record<string, string> };
    expect(JSON.parse(m![2]!)).toBe('http://localhost:3000');
    expect(message.type).toBe('authorization_response');
    expect(Object.keys(message.response).sort()).toEqual(['code', 'iss', 'state']);
    expect(message.response).toMatchObject({ state: 'st-1', iss: ISSUER });
    const err = await authorize(createMockServer(), { response_mode: 'web_message', prompt: 'none', state: '</script><b>' });
    const errPage = await err.res.text();
    expect(errPage).not.toContain('</script><b>');
    expect(errPage).toContain('"error":"login_required"');
  });

  it('ignores unknown extra parameters such as auth0Client', async () => {
    const a = await authorize(server(), { auth0Client: 'eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=', foo: 'bar' });
    expect(a.params.get('code')).toBeTruthy();
  });

  it('prompt=none without a session → login_required; with one → a code, no form', async () => {
    const s = createMockServer();
    const none = await authorize(s, { prompt: 'none' });
    expect(Object.fromEntries(none.params)).toEqual({ error: 'login_required', error_description: 'Login required', state: 'st-1', iss: ISSUER });
    const { cookie, res } = await formLogin(s);
    expect(res.status).toBe(302);
    const again = await authorize(s, { prompt: 'none' }, { Cookie: cookie });
    expect(again.params.get('code')).toBeTruthy();
  });

  it('the login form: a wrong password stays on the form (401), the right one sets a SameSite=None; Secure cookie', async () => {
    const s = createMockServer();
    const a = await authorize(s);
    const state = new URL(a.location).searchParams.get('state')!;
    const wrong = await postForm(s, '/u/login', { state, username: 'demo', password: 'nope' }, loginCookie(a.res));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong username or password.');
    expect(s.control.events({ type: 'code.issued' })).toHaveLength(0);
    const ok = await postForm(s, '/u/login', { state, username: 'demo', password: 'demo' }, loginCookie(a.res));
    expect(ok.status).toBe(302);
    expect(ok.headers.get('set-cookie')).toMatch(/^rotor_session=[\w-]+; Path=\/; HttpOnly; SameSite=None; Secure/);
    const params = new URL(ok.headers.get('location')!).searchParams;
    const t = await exchange(s, params.get('code')!, a.verifier);
    expect(t.status).toBe(200);
    // the transaction is single-use
    const replay = await postForm(s, '/u/login', { state, username: 'demo', password: 'demo' }, loginCookie(a.res));
    expect(replay.status).toBe(400);
  });

  it('cookieSameSite: Lax is configurable', async () => {
    const { res } = await formLogin(createMockServer({ cookieSameSite: 'Lax' }));
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Lax/);
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('prompt=login forces a new sign-in (new auth_time); max_age too old → login_required for prompt=none', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-05-01T10:00:00Z'));
    const s = server();
    const first = await authorize(s);
    const cookie = cookieOf(first.res);
    const t1 = await (await exchange(s, first.params.get('code')!, first.verifier)).json() as { id_token: string };
    s.control.advanceClock(100);
    const same = await authorize(s, {}, { Cookie: cookie });
    expect(same.res.headers.get('set-cookie')).toBeNull();
    const t2 = await (await exchange(s, same.params.get('code')!, same.verifier)).json() as { id_token: string };
    expect(decodeJwt(t2.id_token).auth_time).toBe(decodeJwt(t1.id_token).auth_time);
    const forced = await authorize(s, { prompt: 'login' }, { Cookie: cookie });
    const t3 = await (await exchange(s, forced.params.get('code')!, forced.verifier)).json() as { id_token: string };
    expect(decodeJwt(t3.id_token).auth_time).toBe(decodeJwt(t1.id_token).auth_time as number + 100);
    const fresh = await authorize(s, { prompt: 'none', max_age: '50' }, { Cookie: cookie });
    expect(fresh.params.get('error')).toBe('login_required');
    const ok = await authorize(s, { prompt: 'none', max_age: '500' }, { Cookie: cookie });
    expect(ok.params.get('code')).toBeTruthy();
  });

  it('prompt=consent and consent_required after consent was revoked', async () => {
    const s = createMockServer();
    const { cookie } = await formLogin(s);
    s.control.revokeConsent('user-1');
    const none = await authorize(s, { prompt: 'none' }, { Cookie: cookie });
    expect(none.params.get('error')).toBe('consent_required');
    const consent = await authorize(s, { prompt: 'consent' }, { Cookie: cookie });
    expect(new URL(consent.location).pathname).toBe('/u/login');
  });

  it('ITP mode ignores the session cookie on cross-site iframe requests only', async () => {
    const s = createMockServer({ itp: true });
    const { cookie } = await formLogin(s);
    const iframe = await authorize(s, { prompt: 'none', response_mode: 'web_message' }, { Cookie: cookie, ...IFRAME });
    expect(await iframe.res.text()).toContain('"error":"login_required"');
    const topLevel = await authorize(s, { prompt: 'none' }, { Cookie: cookie, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'document' });
    expect(topLevel.params.get('code')).toBeTruthy();
    s.control.setItp(false);
    const allowed = await authorize(s, { prompt: 'none' }, { Cookie: cookie, ...IFRAME });
    expect(allowed.params.get('code')).toBeTruthy();
  });

  it('offline_access is dropped for an API that does not allow offline access', async () => {
    const s = server();
    const a = await authorize(s, { audience: 'https://no-offline.rotor.test' });
    const body = (await (await exchange(s, a.params.get('code')!, a.verifier)).json()) as Record<string, string>;
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('openid profile email');
    expect(s.control.families()).toHaveLength(0);
    const unknown = await authorize(s, { audience: 'https://nowhere.test' });
    expect(unknown.params.get('error')).toBe('access_denied');
  });

  it('requires MFA after the policy changes: interaction_required silently, the code at the form', async () => {
    const s = createMockServer();
    const { cookie } = await formLogin(s);
    s.control.requireMfa('user-1');
    const none = await authorize(s, { prompt: 'none' }, { Cookie: cookie });
    expect(none.params.get('error')).toBe('interaction_required');
    const a = await authorize(s, {}, { Cookie: cookie });
    const state = new URL(a.location).searchParams.get('state')!;
    const noOtp = await postForm(s, '/u/login', { state, username: 'demo', password: 'demo' }, loginCookie(a.res));
    expect(noOtp.status).toBe(401);
    const withOtp = await postForm(s, '/u/login', { state, username: 'demo', password: 'demo', otp: '123456' }, loginCookie(a.res));
    expect(withOtp.status).toBe(302);
    expect(new URL(withOtp.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('POST /authorize (form) works like GET', async () => {
    const s = server();
    const { challenge } = pkce();
    const res = await postForm(s, '/authorize', {
      client_id: CLIENT, redirect_uri: REDIRECT, response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state: 'p',
    });
    expect(new URL(res.headers.get('location')!).searchParams.get('state')).toBe('p');
    expect(ORIGIN).toBe(new URL(ISSUER).origin);
  });
});
