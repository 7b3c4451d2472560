import { describe, expect, it } from 'vitest';
import { login, refresh, server } from '../mock-server/helpers.js';

// issue 23 item 7: the API's "Allow Offline Access" switch also stops refresh tokens being used for it.
describe('mock server: refresh honours the API allowOfflineAccess', () => {
  it('a refresh with audience of an API with allowOfflineAccess: false is refused and changes nothing', async () => {
    const s = server();
    const t = await login(s);
    const [family] = s.control.families();
    const res = await refresh(s, t.refresh_token!, { audience: 'https://no-offline.rotor.test' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('access_denied');
    expect(res.body.error_description).toMatch(/offline access/i);
    expect(res.body.access_token).toBeUndefined();
    // no rotation: the presented token is still the current one and works for its own audience
    expect(s.control.family(family!.id)!.rotations).toBe(0);
    const ok = await refresh(s, t.refresh_token!);
    expect(ok.status).toBe(200);
  });

  it('the errorProfile "rfc" answers 400 access_denied', async () => {
    const s = server({ errorProfile: 'rfc' });
    const t = await login(s);
    const res = await refresh(s, t.refresh_token!, { audience: 'https://no-offline.rotor.test' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('access_denied');
  });

  it('an API that allows offline access still refreshes for another audience', async () => {
    const s = server();
    const t = await login(s);
    const res = await refresh(s, t.refresh_token!, { audience: 'https://other-api.rotor.test' });
    expect(res.status).toBe(200);
  });
});
