import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { get, login, refresh, server } from './helpers.js';

const INVALID = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };

describe('scripted code + PKCE lifecycle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rotates on every use; each token works once; the family records the chain', async () => {
    const s = server();
    const t0 = await login(s);
    const chain = [t0.refresh_token!];
    for (let i = 0; i < 3; i++) {
      const r = await refresh(s, chain[chain.length - 1]!);
      expect(r.status).toBe(200);
      expect(chain).not.toContain(r.body.refresh_token);
      chain.push(r.body.refresh_token!);
    }
    const [fam] = s.control.families();
    expect(fam).toMatchObject({ status: 'active', rotations: 3, sub: 'user-1', clientId: 'demo', audience: 'https://api.rotor.test' });
    expect(fam!.tokens.map((t) => [t.value, t.state])).toEqual(chain.map((v, i) => [v, i === 3 ? 'current' : 'rotated']));
    expect(s.control.events({ type: 'refresh_token.rotated' })).toHaveLength(3);
  });

  it('reuse → the whole family is revoked, the newest token and its access tokens included', async () => {
    const s = server();
    const t0 = await login(s);
    const r1 = await refresh(s, t0.refresh_token!);
    const r2 = await refresh(s, r1.body.refresh_token!);
    const api = (at: string) => get(s, '/api/private', { Authorization: `Bearer ${at}` });
    expect((await api(r2.body.access_token)).status).toBe(200);

    const attacker = await refresh(s, r1.body.refresh_token!);
    expect(attacker).toEqual({ status: 403, body: INVALID });
    const legit = await refresh(s, r2.body.refresh_token!);
    expect(legit).toEqual({ status: 403, body: INVALID });
    const res = await api(r2.body.access_token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'Access token revoked' });

    const [fam] = s.control.families();
    expect(fam).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
    expect(fam!.tokens.map((t) => t.state)).toEqual(['rotated', 'rotated', 'revoked']);
    const reuse = s.control.events({ type: 'refresh_token.reuse_detected' });
    expect(reuse).toHaveLength(1);
    expect(reuse[0]!.family).toBe(fam!.id);
    expect(s.control.events({ type: 'family.revoked' })[0]).toMatchObject({ family: fam!.id, reason: 'reuse_detected' });
    expect(s.control.events({ type: 'token_request' }).map((e) => [e.grant_type, e.status, e.error ?? null])).toEqual([
      ['authorization_code', 200, null],
      ['refresh_token', 200, null],
      ['refresh_token', 200, null],
      ['refresh_token', 403, 'invalid_grant'],
      ['refresh_token', 403, 'invalid_grant'],
    ]);
  });

  it('reuse interval: the previous token within N s gets the SAME successor and a fresh access token', async () => {
    const s = server({ reuseInterval: 10 });
    const t0 = await login(s);
    const r1 = await refresh(s, t0.refresh_token!); // response "lost" by the client
    s.control.advanceClock(5);
    const retry = await refresh(s, t0.refresh_token!);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(r1.body.refresh_token);
    expect(retry.body.access_token).not.toBe(r1.body.access_token);
    expect(decodeJwt(retry.body.access_token).iat).toBeGreaterThan(decodeJwt(r1.body.access_token).iat!);
    expect(s.control.events({ type: 'refresh_token.reuse_interval' })).toHaveLength(1);
    expect(s.control.families()[0]).toMatchObject({ status: 'active', rotations: 1 });
    // the successor keeps working
    expect((await refresh(s, r1.body.refresh_token!)).status).toBe(200);
  });

  it('reuse interval: outside N s, or two generations back, is reuse', async () => {
    const late = server({ reuseInterval: 10 });
    const a0 = await login(late);
    await refresh(late, a0.refresh_token!);
    late.control.advanceClock(11);
    expect(await refresh(late, a0.refresh_token!)).toEqual({ status: 403, body: INVALID });
    expect(late.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });

    const old = server({ reuseInterval: 10 });
    const b0 = await login(old);
    const b1 = await refresh(old, b0.refresh_token!);
    await refresh(old, b1.body.refresh_token!);
    expect(await refresh(old, b0.refresh_token!)).toEqual({ status: 403, body: INVALID });
    expect(old.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
  });

  it('absolute lifetime is fixed at family creation: rotation does not extend it', async () => {
    const s = server({ absoluteTtl: 100, idleTtl: 1000 });
    const t0 = await login(s);
    const created = s.control.families()[0]!;
    expect(created.absoluteExpiresAt - created.createdAt).toBe(100_000);
    let rt = t0.refresh_token!;
    for (let i = 0; i < 3; i++) {
      s.control.advanceClock(30);
      const r = await refresh(s, rt);
      expect(r.status).toBe(200);
      rt = r.body.refresh_token!;
    }
    expect(s.control.families()[0]!.absoluteExpiresAt).toBe(created.absoluteExpiresAt);
    s.control.advanceClock(11); // 101 s after creation
    expect(await refresh(s, rt)).toEqual({ status: 403, body: INVALID });
    expect(s.control.families()[0]).toMatchObject({ status: 'expired', reason: 'absolute' });
    expect(s.control.events({ type: 'family.expired' })).toMatchObject([{ reason: 'absolute', family: created.id }]);
  });

  it('idle lifetime resets on each use', async () => {
    const s = server({ idleTtl: 60, absoluteTtl: 10_000 });
    const t0 = await login(s);
    let rt = t0.refresh_token!;
    for (let i = 0; i < 4; i++) {
      s.control.advanceClock(50); // 200 s in total, never 60 s idle
      const r = await refresh(s, rt);
      expect(r.status).toBe(200);
      rt = r.body.refresh_token!;
    }
    s.control.advanceClock(61);
    expect(await refresh(s, rt)).toEqual({ status: 403, body: INVALID });
    expect(s.control.families()[0]).toMatchObject({ status: 'expired', reason: 'idle' });
  });

  it('the server clock follows Date.now(), so fake timers move it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const s = server({ idleTtl: 60 });
    const t0 = await login(s);
    expect(s.control.now()).toBe(Date.parse('2030-01-01T00:00:00Z'));
    vi.setSystemTime(new Date('2030-01-01T00:02:00Z'));
    expect(await refresh(s, t0.refresh_token!)).toEqual({ status: 403, body: INVALID });
    expect(s.control.families()[0]).toMatchObject({ status: 'expired', reason: 'idle' });
  });

  it('200 active refresh tokens per user per client: the 201st login revokes the oldest', async () => {
    const s = server();
    const first = await login(s);
    for (let i = 1; i < 200; i++) await login(s);
    expect(s.control.families().filter((f) => f.status === 'active')).toHaveLength(200);
    await login(s);
    const fams = s.control.families();
    expect(fams.filter((f) => f.status === 'active')).toHaveLength(200);
    expect(fams[0]).toMatchObject({ status: 'revoked', reason: 'limit' });
    expect(fams.filter((f) => f.status === 'revoked')).toHaveLength(1);
    expect(await refresh(s, first.refresh_token!)).toEqual({ status: 403, body: INVALID });
  }, 60_000);

  it('revoked and expired families do not count towards the cap', async () => {
    const s = server({ maxActiveRefreshTokens: 2, idleTtl: 50 });
    const a = await login(s);
    s.control.advanceClock(60); // a expires
    await login(s);
    await login(s);
    const fams = s.control.families();
    expect(fams.map((f) => [f.status, f.reason])).toEqual([['expired', 'idle'], ['active', null], ['active', null]]);
    expect(a.refresh_token).toBe(fams[0]!.tokens[0]!.value);
  });
});
