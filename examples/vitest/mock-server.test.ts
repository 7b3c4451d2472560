import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockServer } from 'rotor-auth/mock-server';
import { expireAccessTokens, refresh, replayRetiredRefreshToken, signIn } from 'rotor-auth/testing';

const server = createMockServer({ reuseInterval: 0 });
// Optional: answer every request to a made-up issuer with the mock server (no socket).
const network = setupServer(http.all('https://auth.example.test/*', ({ request }) => server.fetch(request)));

beforeAll(() => network.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.control.reset());
afterAll(() => network.close());

describe('my API client against the mock server', () => {
  it('signs in with code + PKCE and gets a refresh token', async () => {
    const tokens = await signIn(server, { audience: 'https://api.rotor.test' });
    expect(tokens.scope).toBe('openid profile email offline_access');
    expect(tokens.refresh_token).toBeDefined();
    expect(server.control.family(tokens.family!)?.status).toBe('active');
  });

  it('rotates the refresh token once the access token has expired', async () => {
    const tokens = await signIn(server, { audience: 'https://api.rotor.test' });
    expireAccessTokens(server, tokens);
    const next = await refresh(server, tokens.refresh_token!);
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(server.control.family(tokens.family!)?.rotations).toBe(1);
  });

  it('a replayed refresh token revokes the whole family', async () => {
    const tokens = await signIn(server);
    const next = await refresh(server, tokens.refresh_token!);
    const replay = await replayRetiredRefreshToken(server, tokens.family!);
    expect(replay).toMatchObject({ status: 403, error: 'invalid_grant', familyStatus: 'revoked' });
    // the newest token of the family is dead too
    expect((await refresh(server, next.body.refresh_token!)).status).toBe(403);
    expect(server.control.events({ type: 'refresh_token.reuse_detected' })).toHaveLength(1);
  });

  it('serves a made-up issuer through msw: the issuer is the request URL origin', async () => {
    const doc = await (await fetch('https://auth.example.test/.well-known/openid-configuration')).json();
    expect(doc.issuer).toBe('https://auth.example.test/');
    expect(doc.token_endpoint).toBe('https://auth.example.test/oauth/token');
  });
});
