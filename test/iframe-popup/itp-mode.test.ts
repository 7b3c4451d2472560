/**
 * The mock server's ITP mode as the silent iframe meets it, in Node through
 * `createMockServer().fetch` (no socket, no browser): a browser sends the
 * session cookie with the iframe's /authorize request, marked
 * `Sec-Fetch-Site: cross-site` + `Sec-Fetch-Dest: iframe`. With ITP on, the
 * server ignores that cookie (as Safari drops it), so prompt=none answers
 * login_required through the web_message page, while refresh-token rotation
 * (a CORS fetch, no cookie involved) keeps the user signed in.
 */
import { describe, expect, it } from 'vitest';
import type { MockServer } from '../../src/mock-server/index.js';
import { authorize, exchange, refresh, server } from '../mock-server/helpers.js';

const APP_ORIGIN = 'http://localhost:3000'; // the helpers' redirect URI origin
const CROSS_SITE_IFRAME = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'iframe', 'Sec-Fetch-Mode': 'navigate' };

/** Signs in (autoLogin) at the top level; returns the session cookie and a refresh token. */
async function signIn(s: MockServer): Promise<{ cookie: string; refreshToken: string }> {
  const a = await authorize(s, {}, { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'document' });
  expect(a.res.status).toBe(302);
  const setCookie = a.res.headers.getSetCookie()[0] ?? '';
  // what lets a browser send it from a third-party iframe at all
  expect(setCookie).toMatch(/SameSite=None/);
  expect(setCookie).toMatch(/;\s*Secure/);
  const body = (await (await exchange(s, a.params.get('code') ?? '', a.verifier)).json()) as { refresh_token?: string };
  expect(body.refresh_token).toBeTruthy();
  return { cookie: setCookie.split(';')[0] ?? '', refreshToken: body.refresh_token ?? '' };
}

/** The iframe's request: prompt=none, web_message; returns what its page posts, and where to. */
async function silentIframe(s: MockServer, cookie: string, state: string): Promise<{ response: Record<string, string>; targetOrigin: string }> {
  const { res } = await authorize(s, { prompt: 'none', response_mode: 'web_message', state }, { Cookie: cookie, ...CROSS_SITE_IFRAME });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  const page = await res.text();
  const m = /postMessage\((\{.*\}),\s*("[^"]*")\)/.exec(page);
  if (!m?.[1] || !m[2]) throw new Error(`no postMessage in the web_message page: ${page}`);
  const data = JSON.parse(m[1]) as { type: string; response: Record<string, string> };
  expect(data.type).toBe('authorization_response');
  return { response: data.response, targetOrigin: JSON.parse(m[2]) as string };
}

describe('mock server ITP mode and the silent iframe', () => {
  it('ITP off: the cross-site iframe request carries the session and gets a code', async () => {
    const s = server();
    const { cookie } = await signIn(s);
    const { response, targetOrigin } = await silentIframe(s, cookie, 'st-off');
    expect(targetOrigin).toBe(APP_ORIGIN);
    expect(response.code).toBeTruthy();
    expect(response).toMatchObject({ state: 'st-off', iss: 'http://127.0.0.1:4000/' });
  });

  it('ITP on: login_required for the iframe, while refresh-token rotation keeps working', async () => {
    const s = server({ itp: true });
    const { cookie, refreshToken } = await signIn(s);
    const { response, targetOrigin } = await silentIframe(s, cookie, 'st-on');
    expect(targetOrigin).toBe(APP_ORIGIN);
    expect(response).toEqual({
      error: 'login_required',
      error_description: 'Login required',
      state: 'st-on',
      iss: 'http://127.0.0.1:4000/',
    });
    let rt = refreshToken;
    for (let i = 0; i < 3; i++) {
      const r = await refresh(s, rt);
      expect(r.status).toBe(200);
      expect(r.body.refresh_token).toBeTruthy();
      expect(r.body.refresh_token).not.toBe(rt);
      rt = r.body.refresh_token ?? '';
    }
    expect(s.control.events({ type: 'refresh_token.rotated' })).toHaveLength(3);
    expect(s.control.families()[0]?.status).toBe('active');
  });

  it('the switch works at run time, and only cross-site iframe requests lose the cookie', async () => {
    const s = server();
    const { cookie } = await signIn(s);
    expect(s.control.setItp(true)).toBe(true);
    expect((await silentIframe(s, cookie, 'a')).response.error).toBe('login_required');
    // a same-site iframe still carries the session
    const sameSite = await authorize(s, { prompt: 'none' }, { Cookie: cookie, 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Dest': 'iframe' });
    expect(sameSite.params.get('code')).toBeTruthy();
    expect(s.control.setItp(false)).toBe(false);
    expect((await silentIframe(s, cookie, 'b')).response.code).toBeTruthy();
  });

  it('without a session cookie the iframe gets login_required whatever the mode', async () => {
    const s = server();
    const { response } = await silentIframe(s, '', 'no-cookie');
    expect(response.error).toBe('login_required');
  });
});
