import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorize, exchange, ISSUER, login, refresh, server } from './helpers.js';

describe('code + PKCE flow with rotation', () => {
  it('issues a code with state and iss, exchanges it, and rotates the refresh token', async () => {
    const s = server();
    const { res, params, verifier } = await authorize(s);
    expect(res.status).toBe(302);
    expect(params.get('state')).toBe('st-1');
    expect(params.get('iss')).toBe(ISSUER);
    const tokenRes = await exchange(s, params.get('code')!, verifier);
    expect(tokenRes.status).toBe(200);
    const body = (await tokenRes.json()) as Record<string, string>;
    expect(body.token_type).toBe('Bearer');
    const id = decodeJwt(body.id_token!);
    expect(id).toMatchObject({ iss: ISSUER, aud: 'demo', sub: 'user-1', nonce: 'n-1' });
    const r1 = await refresh(s, body.refresh_token!);
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(body.refresh_token);
    const fam = s.control.families();
    expect(fam).toHaveLength(1);
    expect(fam[0]!.rotations).toBe(1);
    expect(fam[0]!.tokens.map((t) => t.state)).toEqual(['rotated', 'current']);
  });

  it('reuse of a rotated token revokes the family, the newest token included', async () => {
    const s = server();
    const t0 = await login(s);
    const r1 = await refresh(s, t0.refresh_token!);
    const reuse = await refresh(s, t0.refresh_token!);
    expect(reuse.status).toBe(403);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    const newest = await refresh(s, r1.body.refresh_token!);
    expect(newest.status).toBe(403);
    expect(s.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
    const types = s.control.events().map((e) => e.type);
    expect(types).toContain('refresh_token.reuse_detected');
    expect(types).toContain('family.revoked');
    expect(s.control.events({ type: 'token_request' }).map((e) => [e.grant_type, e.status])).toEqual([
      ['authorization_code', 200],
      ['refresh_token', 200],
      ['refresh_token', 403],
      ['refresh_token', 403],
    ]);
  });
});
