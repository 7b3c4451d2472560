/** On-demand challenges (control.resourceChallenge / POST /__control/resource-challenge / challengeResource). */
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../src/mock-server/index.js';
import { challengeResource, resourceRequests } from '../../src/testing/index.js';
import { BASE, bearer, bearerLogin, boundLogin, call, dpopCall, MFA_ACR, setup, wwwAuth } from './helpers.js';

const postJson = (s: ReturnType<typeof setup>, path: string, body: unknown, headers: Record<string, string> = {}) =>
  s.fetch(new Request(`${BASE}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) }));

describe('on-demand challenges', () => {
  it('invalid_token: the next request answers 401 Bearer invalid_token, the one after is served', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    expect(challengeResource(s, '/api/orders', 'invalid_token')).toEqual([{ path: '/api/orders', challenge: 'invalid_token', remaining: 1 }]);
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^Bearer error="invalid_token", error_description="The access token is invalid \(challenge set by the control API\)"$/);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
    expect(s.control.resourceChallenges()).toEqual([]);
    expect((await call(s, '/api/orders', bearer(t.access_token))).status).toBe(200);
  });

  it('insufficient_scope: 403 with scope= (given, else the resource\'s scopes)', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    challengeResource(s, '/api/orders', 'insufficient_scope', { scope: 'write:orders' });
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(403);
    expect(wwwAuth(res)).toMatch(/^Bearer error="insufficient_scope", scope="write:orders", /);
    challengeResource(s, '/api/orders/1', 'insufficient_scope'); // a path the prefix resource serves
    expect(s.control.resourceChallenges()).toEqual([{ path: '/api/orders/*', challenge: 'insufficient_scope', remaining: 1, scope: 'read:orders' }]);
    expect(wwwAuth(await call(s, '/api/orders/2', bearer(t.access_token)))).toMatch(/scope="read:orders"/);
  });

  it('use_dpop_nonce: 401 DPoP use_dpop_nonce with a DPoP-Nonce; the retry with the nonce is served', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    challengeResource(s, '/api/orders', 'use_dpop_nonce');
    const res = await dpopCall(s, key, '/api/orders', at);
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="/);
    const nonce = res.headers.get('dpop-nonce')!;
    expect(nonce).toMatch(/^[\w-]{20,}$/);
    expect((await dpopCall(s, key, '/api/orders', at, { nonce })).status).toBe(200);
  });

  it('insufficient_user_authentication: 401 with acr_values and max_age (given, else the resource\'s)', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    challengeResource(s, '/api/orders', 'insufficient_user_authentication', { acr_values: 'urn:mfa', max_age: 60 });
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age=60, error_description=/);
    challengeResource(s, '/api/mfa', 'insufficient_user_authentication');
    expect(wwwAuth(await call(s, '/api/mfa', bearer(t.access_token)))).toContain(`acr_values="${MFA_ACR}"`);
  });

  it('the challenge answers before any check, whatever is presented; a bound token gets the DPoP scheme', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    challengeResource(s, '/api/orders', 'invalid_token', { times: 2, error_description: 'revoked by the test' });
    expect(wwwAuth(await dpopCall(s, key, '/api/orders', at))).toMatch(/^DPoP error="invalid_token", error_description="revoked by the test", algs=/);
    expect((await call(s, '/api/orders')).status).toBe(401);
    expect((await dpopCall(s, key, '/api/orders', at)).status).toBe(200);
    const ev = resourceRequests(s, '/api/orders');
    expect(ev.map((e) => [e.status, e.error, e.detail?.onDemand])).toEqual([[401, 'invalid_token', true], [401, 'invalid_token', true], [200, undefined, false]]);
    expect(ev[0]).toMatchObject({ sub: 'user-1', detail: { scheme: 'DPoP', proof: true } });
  });

  it('times counts requests; null clears; reset clears; a new call replaces the pending one', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    challengeResource(s, '/api/orders', 'invalid_token', { times: 3 });
    await call(s, '/api/orders', bearer(t.access_token));
    expect(s.control.resourceChallenges()[0]!.remaining).toBe(2);
    challengeResource(s, '/api/orders', 'insufficient_scope', { times: 2 });
    expect(s.control.resourceChallenges()).toEqual([{ path: '/api/orders', challenge: 'insufficient_scope', remaining: 2, scope: 'read:orders' }]);
    expect(s.control.resourceChallenge({ path: '/api/orders', challenge: null })).toEqual([]);
    challengeResource(s, '/api/bound', 'invalid_token');
    s.control.reset();
    expect(s.control.resourceChallenges()).toEqual([]);
  });

  it('bad arguments are ControlErrors and change nothing', () => {
    const s = setup();
    const bad: Array<[unknown, RegExp]> = [
      [{ path: '/api/unknown', challenge: 'invalid_token' }, /No resource serves \/api\/unknown/],
      [{ path: '/api/orders', challenge: 'nope' }, /challenge must be one of/],
      [{ path: '/api/orders', challenge: 'invalid_token', times: 0 }, /times must be/],
      [{ path: '/api/orders', challenge: 'insufficient_scope', scope: 'a"b' }, /scope must be a string without quotes/],
      [{ path: '/api/orders', challenge: 'insufficient_user_authentication', max_age: -1 }, /max_age/],
      [{ path: 1, challenge: 'invalid_token' }, /path must be a string/],
    ];
    for (const [spec, msg] of bad) {
      expect(() => s.control.resourceChallenge(spec as never)).toThrow(ControlError);
      expect(() => s.control.resourceChallenge(spec as never)).toThrow(msg);
    }
    expect(s.control.resourceChallenges()).toEqual([]);
  });
});

describe('over HTTP: POST/GET /__control/resource-challenge, GET /__control/resources', () => {
  it('sets, lists and clears; bad input is 400/404 JSON', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    const set = await postJson(s, '/__control/resource-challenge', { path: '/api/orders', challenge: 'insufficient_scope', scope: 'x', times: 2 });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual([{ path: '/api/orders', challenge: 'insufficient_scope', remaining: 2, scope: 'x' }]);
    expect(await (await call(s, '/__control/resource-challenge')).json()).toHaveLength(1);
    expect((await call(s, '/api/orders', bearer(t.access_token))).status).toBe(403);
    expect(await (await postJson(s, '/__control/resource-challenge', { path: '/api/orders', challenge: null })).json()).toEqual([]);
    expect((await postJson(s, '/__control/resource-challenge', { path: '/api/orders' })).status).toBe(400);
    expect((await postJson(s, '/__control/resource-challenge', { path: '/api/none', challenge: 'invalid_token' })).status).toBe(404);
    const list = (await (await call(s, '/__control/resources')).json()) as Array<{ path: string }>;
    expect(list.map((r) => r.path)).toContain('/api/orders/*');
  });
});
