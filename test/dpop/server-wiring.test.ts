/** The mock server's DPoP wiring, end to end through `server.fetch`, with proofs made by the SDK's key module. */
import { describe, expect, it } from 'vitest';
import { createDpopProof, generateDpopKey, type DpopKey } from '../../src/dpop/key.js';
import { createMockServer, type MockServer, type MockServerOptions } from '../../src/mock-server/index.js';
import { parseArgs } from '../../src/mock-server/args.js';
import { refresh, signIn } from '../../src/testing/index.js';

const BASE = 'http://localhost';
const TOKEN = `${BASE}/oauth/token`;

function setup(options: MockServerOptions = {}) {
  return createMockServer({ issuer: `${BASE}/`, ...options });
}

const proof = (server: MockServer, key: DpopKey, url: string, method = 'POST', extra: { nonce?: string; accessToken?: string } = {}) =>
  createDpopProof(key, { url, method, now: () => server.control.now(), ...extra });

async function post(server: MockServer, url: string, fields: Record<string, string>, dpop?: string): Promise<Response> {
  return server.fetch(
    new Request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost:3000', ...(dpop ? { DPoP: dpop } : {}) },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

const refreshFields = (rt: string) => ({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: rt });

async function boundLogin(server: MockServer) {
  const key = await generateDpopKey();
  const tokens = await signIn(server, { dpopKey: key.pair, audience: 'https://api.rotor.test' });
  return { key, tokens, family: tokens.family! };
}

describe('mock server DPoP: token endpoint', () => {
  it('binds the family and the access token to the key at the code exchange', async () => {
    const server = setup();
    const { key, tokens, family } = await boundLogin(server);
    expect(tokens.token_type).toBe('DPoP');
    const at = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as { cnf?: { jkt?: string } };
    expect(at.cnf?.jkt).toBe(key.jkt);
    expect(server.control.family(family)?.jkt).toBe(key.jkt);
  });

  it('without a proof the login stays Bearer (optional), and off ignores proofs', async () => {
    const server = setup();
    const plain = await signIn(server);
    expect(plain.token_type).toBe('Bearer');
    expect(server.control.family(plain.family!)?.jkt).toBeNull();
    const off = setup({ dpop: 'off' });
    const t = await signIn(off, { dpopKey: (await generateDpopKey()).pair });
    expect(t.token_type).toBe('Bearer');
  });

  it('required: a code exchange without a proof is refused and the code still works with one', async () => {
    const server = setup({ dpop: 'required' });
    await expect(signIn(server)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });
    const t = await signIn(server, { dpopKey: (await generateDpopKey()).pair });
    expect(t.token_type).toBe('DPoP');
  });

  it('a refresh with no proof or another key is refused: no rotation, no revocation, dpop.rejected', async () => {
    const server = setup();
    const { key, tokens, family } = await boundLogin(server);
    const thief = await generateDpopKey();
    const none = await post(server, TOKEN, refreshFields(tokens.refresh_token!));
    const other = await post(server, TOKEN, refreshFields(tokens.refresh_token!), await proof(server, thief, TOKEN));
    for (const res of [none, other]) {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    }
    const f = server.control.family(family)!;
    expect(f.status).toBe('active');
    expect(f.rotations).toBe(0);
    expect(server.control.events({ type: 'dpop.rejected', family })).toHaveLength(2);
    expect(server.control.events({ type: 'refresh_token.reuse_detected' })).toHaveLength(0);
    const ok = await refresh(server, tokens.refresh_token!, { dpopKey: key.pair });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
    expect(server.control.family(family)!.rotations).toBe(1);
  });

  it('control.replay acts as a thief without the key: refused, family untouched', async () => {
    const server = setup();
    const { family } = await boundLogin(server);
    const r = await server.control.replay(family, 'current');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_dpop_proof');
    expect(server.control.family(family)!.status).toBe('active');
  });

  it('nonces required: use_dpop_nonce with DPoP-Nonce consumes neither the code nor the refresh token', async () => {
    const server = setup({ dpopNonce: { rotation: 60 } });
    const key = await generateDpopKey();
    const tokens = await signIn(server, { dpopKey: key.pair });
    expect(tokens.token_type).toBe('DPoP');
    const challenged = server.control.events({ type: 'token_request' }).filter((e) => e.error === 'use_dpop_nonce');
    expect(challenged).toHaveLength(1);
    const first = await post(server, TOKEN, refreshFields(tokens.refresh_token!), await proof(server, key, TOKEN));
    expect(first.status).toBe(400);
    expect(((await first.json()) as { error: string }).error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('DPoP-Nonce')!;
    expect(first.headers.get('Access-Control-Expose-Headers')).toContain('DPoP-Nonce');
    expect(server.control.family(tokens.family!)!.rotations).toBe(0);
    const second = await post(server, TOKEN, refreshFields(tokens.refresh_token!), await proof(server, key, TOKEN, 'POST', { nonce }));
    expect(second.status).toBe(200);
    // the nonce rotates on the server clock: two periods later it is refused with a new one
    server.control.advanceClock(121);
    const stale = await post(server, TOKEN, refreshFields(((await second.json()) as { refresh_token: string }).refresh_token), await proof(server, key, TOKEN, 'POST', { nonce }));
    expect(stale.status).toBe(400);
    expect(stale.headers.get('DPoP-Nonce')).not.toBe(nonce);
  });

  it('proof iat is judged on the server clock', async () => {
    const server = setup();
    const { key, tokens } = await boundLogin(server);
    server.control.advanceClock(3600);
    const skewed = await post(server, TOKEN, refreshFields(tokens.refresh_token!), await createDpopProof(key, { url: TOKEN, method: 'POST' }));
    expect(((await skewed.json()) as { error: string }).error).toBe('use_dpop_nonce');
    const nonce = skewed.headers.get('DPoP-Nonce')!;
    const ok = await post(server, TOKEN, refreshFields(tokens.refresh_token!), await createDpopProof(key, { url: TOKEN, method: 'POST', nonce }));
    expect(ok.status).toBe(200);
  });
});

describe('mock server DPoP: revocation, resources, discovery, control, CLI', () => {
  it('revoking a bound refresh token needs a proof from the bound key', async () => {
    const server = setup();
    const { key, tokens, family } = await boundLogin(server);
    const url = `${BASE}/oauth/revoke`;
    const fields = { client_id: 'demo', token: tokens.refresh_token! };
    const refused = await post(server, url, fields);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    const foreign = await post(server, url, fields, await proof(server, await generateDpopKey(), url));
    expect(foreign.status).toBe(400);
    expect(server.control.family(family)!.status).toBe('active');
    const ok = await post(server, url, fields, await proof(server, key, url));
    expect(ok.status).toBe(200);
    expect(server.control.family(family)!.status).toBe('revoked');
  });

  it('/api/private and /userinfo accept DPoP + proof with ath, and refuse the bound token otherwise', async () => {
    const server = setup();
    const { key, tokens } = await boundLogin(server);
    const api = `${BASE}/api/private`;
    const get = async (url: string, headers: Record<string, string>) => server.fetch(new Request(url, { headers }));
    const at = tokens.access_token;
    const ok = await get(api, { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, api, 'GET', { accessToken: at }) });
    expect(ok.status).toBe(200);
    const info = `${BASE}/userinfo`;
    const me = await get(info, { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, info, 'GET', { accessToken: at }) });
    expect(((await me.json()) as { sub: string }).sub).toBe('user-1');
    const bearer = await get(api, { Authorization: `Bearer ${at}` });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('WWW-Authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const noAth = await get(api, { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, api, 'GET') });
    expect(noAth.headers.get('WWW-Authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const thief = await get(api, { Authorization: `DPoP ${at}`, DPoP: await proof(server, await generateDpopKey(), api, 'GET', { accessToken: at }) });
    expect(thief.status).toBe(401);
    server.control.advanceClock(3700);
    const expired = await get(api, { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, api, 'GET', { accessToken: at }) });
    expect(expired.headers.get('WWW-Authenticate')).toMatch(/^DPoP error="invalid_token"/);
  });

  it('resources with nonces required answer use_dpop_nonce + DPoP-Nonce, then accept', async () => {
    const server = setup({ dpopNonce: true });
    const { key, tokens } = await boundLogin(server);
    const api = `${BASE}/api/private`;
    const at = tokens.access_token;
    const first = await server.fetch(new Request(api, { headers: { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, api, 'GET', { accessToken: at }) } }));
    expect(first.status).toBe(401);
    expect(first.headers.get('WWW-Authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
    const nonce = first.headers.get('DPoP-Nonce')!;
    const second = await server.fetch(new Request(api, { headers: { Authorization: `DPoP ${at}`, DPoP: await proof(server, key, api, 'GET', { accessToken: at, nonce }) } }));
    expect(second.status).toBe(200);
  });

  it('discovery advertises dpop_signing_alg_values_supported unless off', async () => {
    const meta = async (s: MockServer) => (await (await s.fetch(new Request(`${BASE}/.well-known/openid-configuration`))).json()) as Record<string, unknown>;
    expect((await meta(setup())).dpop_signing_alg_values_supported).toContain('ES256');
    expect((await meta(setup({ dpop: 'off' }))).dpop_signing_alg_values_supported).toBeUndefined();
  });

  it('the control API hands out a family current refresh token and its jkt (stolen token demo)', async () => {
    const server = setup();
    const { key, tokens, family } = await boundLogin(server);
    expect(server.control.stealRefreshToken(family)).toEqual({ family, refresh_token: tokens.refresh_token, jkt: key.jkt });
    const res = await server.fetch(new Request(`${BASE}/__control/families/${family}/refresh-token`));
    expect(await res.json()).toEqual({ family, refresh_token: tokens.refresh_token, jkt: key.jkt });
    expect((await server.fetch(new Request(`${BASE}/__control/families/nope/refresh-token`))).status).toBe(404);
  });

  it('options and CLI flags', () => {
    expect(parseArgs(['--dpop', 'required', '--dpop-nonce']).options).toMatchObject({ dpop: 'required', dpopNonce: true });
    expect(() => createMockServer({ dpop: 'sometimes' as 'off' })).toThrow(/option dpop: expected one of off, optional, required/);
    expect(() => createMockServer({ dpopNonce: { rotation: -1 } })).toThrow(/dpopNonce.rotation/);
  });
});
