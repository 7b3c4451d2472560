import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../../src/mock-server/run-cli.js';
import type { FamilyView } from '../../src/mock-server/index.js';
import { pkce } from './helpers.js';

/**
 * The scripted code + PKCE flow of issue 2 against the CLI on a real port,
 * driven only over HTTP (the control API moves the clock).
 */
describe('scripted flow against the running CLI', () => {
  let url = '';
  let close: () => Promise<void> = async () => {};
  const REDIRECT = 'http://localhost:8000/cb';

  beforeAll(async () => {
    const s = await startCli(['--port', '0', '--auto-login', 'user-1', '--reuse-interval', '5', '--idle-ttl', '60', '--absolute-ttl', '300'], () => {});
    url = s.url;
    close = s.close;
  });
  afterAll(() => close());

  const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/__control/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as T;
  };
  const families = () => control<FamilyView[]>('families');

  async function login(): Promise<string> {
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({ client_id: 'demo', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid offline_access', audience: 'https://api.rotor.test', code_challenge: challenge, code_challenge_method: 'S256', state: 'x' });
    const auth = await fetch(`${url}/authorize?${q}`, { redirect: 'manual' });
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const res = await fetch(`${url}/oauth/token`, form({ grant_type: 'authorization_code', client_id: 'demo', code, code_verifier: verifier, redirect_uri: REDIRECT }));
    return ((await res.json()) as { refresh_token: string }).refresh_token;
  }
  async function refresh(rt: string): Promise<{ status: number; rt?: string; error?: string }> {
    const res = await fetch(`${url}/oauth/token`, form({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: rt }));
    const body = (await res.json()) as { refresh_token?: string; error?: string };
    return { status: res.status, ...(body.refresh_token ? { rt: body.refresh_token } : {}), ...(body.error ? { error: body.error } : {}) };
  }

  it('rotation, reuse interval recovery, reuse → family revoked (newest token too)', async () => {
    await control('reset', {});
    const rt0 = await login();
    const r1 = await refresh(rt0);
    const r2 = await refresh(r1.rt!);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    // lost response: the previous token again within 5 s → the same successor
    const again = await refresh(r1.rt!);
    expect(again).toMatchObject({ status: 200, rt: r2.rt });
    // an old token after the interval: reuse
    await control('clock', { advance: 6 });
    expect(await refresh(r1.rt!)).toEqual({ status: 403, error: 'invalid_grant' });
    expect(await refresh(r2.rt!)).toEqual({ status: 403, error: 'invalid_grant' });
    const [fam] = await families();
    expect(fam).toMatchObject({ status: 'revoked', reason: 'reuse_detected', rotations: 2 });
    const types = (await control<Array<{ type: string }>>('events')).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['refresh_token.rotated', 'refresh_token.reuse_interval', 'refresh_token.reuse_detected', 'family.revoked']));
  });

  it('idle lifetime resets on use; absolute lifetime does not move', async () => {
    await control('reset', {});
    let rt = await login();
    for (let i = 0; i < 5; i++) {
      await control('clock', { advance: 50 });
      const r = await refresh(rt);
      expect(r.status).toBe(200);
      rt = r.rt!;
    }
    await control('clock', { advance: 51 }); // 301 s after login, 51 s idle
    expect(await refresh(rt)).toEqual({ status: 403, error: 'invalid_grant' });
    expect((await families())[0]).toMatchObject({ status: 'expired', reason: 'absolute' });
    const rt2 = await login();
    await control('clock', { advance: 61 });
    expect(await refresh(rt2)).toEqual({ status: 403, error: 'invalid_grant' });
    expect((await families())[1]).toMatchObject({ status: 'expired', reason: 'idle' });
  });

  it('the 201st refresh token for a user and client revokes the oldest', async () => {
    await control('reset', {});
    const first = await login();
    for (let i = 1; i < 201; i++) await login();
    const fams = await families();
    expect(fams).toHaveLength(201);
    expect(fams.filter((f) => f.status === 'active')).toHaveLength(200);
    expect(fams[0]).toMatchObject({ status: 'revoked', reason: 'limit' });
    expect(await refresh(first)).toEqual({ status: 403, error: 'invalid_grant' });
  }, 60_000);
});
