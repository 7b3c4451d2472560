import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/mock-server/args.js';
import { createMockServer } from '../../src/mock-server/index.js';
import { get, login, server } from '../mock-server/helpers.js';

// issue 23, "also noticed": /api/private accepted access tokens for any audience.
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

describe('mock server: /api/private checks aud', () => {
  it('accepts a token for its API (https://api.rotor.test by default)', async () => {
    const s = server();
    const t = await login(s);
    expect((await get(s, '/api/private', bearer(t.access_token))).status).toBe(200);
  });

  it('refuses a token for another API, and one without an audience (aud: the userinfo URL only)', async () => {
    const s = server();
    for (const extra of [{ audience: 'https://other-api.rotor.test' }, { audience: undefined }]) {
      const t = await login(s, extra);
      const res = await get(s, '/api/private', bearer(t.access_token));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      const body = (await res.json()) as { error_description: string };
      expect(body.error_description).toContain('https://api.rotor.test');
    }
  });

  it('privateApiAudience (--private-api-audience) picks the API it serves; it must be a configured API', async () => {
    const s = server({ privateApiAudience: 'https://other-api.rotor.test' });
    const other = await login(s, { audience: 'https://other-api.rotor.test' });
    expect((await get(s, '/api/private', bearer(other.access_token))).status).toBe(200);
    const main = await login(s);
    expect((await get(s, '/api/private', bearer(main.access_token))).status).toBe(401);
    expect(() => createMockServer({ privateApiAudience: 'https://nope.example' })).toThrow(/privateApiAudience/);
    expect(parseArgs(['--private-api-audience', 'https://other-api.rotor.test']).options).toEqual({ privateApiAudience: 'https://other-api.rotor.test' });
  });
});
