/** Issue 23, fetcher: RFC 6750 / RFC 9470 resource-server challenges, and URL-prefix routes. */
import { describe, expect, it, vi } from 'vitest';
import { StepUpRequiredError } from '../../src/errors.js';
import { createFetcher, type FetcherDeps } from '../../src/client/fetcher.js';

const API = 'https://api.rotor.test';

function deps() {
  const getTokenSilently = vi.fn(async (o: { authorizationParams: { audience?: string; scope?: string } }) => ({
    access_token: `at(${o.authorizationParams.audience ?? '-'}|${o.authorizationParams.scope ?? '-'})`,
    token_type: 'Bearer',
  }));
  const d: FetcherDeps = {
    getTokenSilently,
    generateDpopProof: async () => 'proof',
    getDpopNonce: async () => undefined,
    setDpopNonce: async () => undefined,
  };
  return { d, getTokenSilently };
}
function script(...responses: Response[]) {
  const sent: Request[] = [];
  const fetch = vi.fn(async (r: Request) => (sent.push(r), responses[Math.min(sent.length - 1, responses.length - 1)]!.clone()));
  return { fetch, sent };
}
const challenge = (status: number, value: string) => new Response(null, { status, headers: { 'WWW-Authenticate': value } });

describe('resource-server challenges', () => {
  it('insufficient_scope with scope=: one getTokenSilently for that scope, one retry', async () => {
    const { d, getTokenSilently } = deps();
    const s = script(challenge(403, 'Bearer error="insufficient_scope", scope="read:orders write:orders"'), new Response('ok'));
    const res = await createFetcher(d, { baseUrl: API, fetch: s.fetch }).fetchWithAuth('/orders', undefined, { audience: API });
    expect(res.status).toBe(200);
    expect(getTokenSilently).toHaveBeenCalledTimes(2);
    expect(getTokenSilently.mock.calls[1]![0].authorizationParams).toEqual({ audience: API, scope: 'read:orders write:orders' });
    expect(s.sent[1]!.headers.get('Authorization')).toBe(`Bearer at(${API}|read:orders write:orders)`);
  });

  it('a second insufficient_scope is returned as it is (no loop)', async () => {
    const { d } = deps();
    const s = script(challenge(403, 'Bearer error="insufficient_scope", scope="x"'));
    expect((await createFetcher(d, { baseUrl: API, fetch: s.fetch }).fetchWithAuth('/o')).status).toBe(403);
    expect(s.sent).toHaveLength(2);
  });

  it('insufficient_user_authentication (RFC 9470) rejects with a typed error carrying acr_values and max_age', async () => {
    const { d } = deps();
    const s = script(challenge(401, 'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", acr_values="urn:mfa", max_age=300'));
    const e = await createFetcher(d, { baseUrl: API, fetch: s.fetch }).fetchWithAuth('/o').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StepUpRequiredError);
    expect(e).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'urn:mfa', max_age: 300, error_description: 'More recent authentication is required' });
    expect(s.sent).toHaveLength(1);
  });
});

describe('routes: URL prefix → { audience, scope }', () => {
  it('the longest matching prefix gives audience and scope; its origin is allowed; explicit params win', async () => {
    const { d, getTokenSilently } = deps();
    const s = script(new Response('ok'));
    const fetcher = createFetcher(d, {
      fetch: s.fetch,
      routes: { 'https://orders.rotor.test/': { audience: 'orders' }, 'https://orders.rotor.test/admin/': { audience: 'orders', scope: 'admin' } },
    });
    await fetcher.fetchWithAuth('https://orders.rotor.test/list');
    await fetcher.fetchWithAuth('https://orders.rotor.test/admin/users');
    await fetcher.fetchWithAuth('https://orders.rotor.test/admin/x', undefined, { scope: 'other' });
    expect(getTokenSilently.mock.calls.map(([o]) => o.authorizationParams)).toEqual([
      { audience: 'orders', scope: undefined },
      { audience: 'orders', scope: 'admin' },
      { audience: 'orders', scope: 'other' },
    ]);
    await expect(fetcher.fetchWithAuth('https://evil.rotor.test/x')).rejects.toMatchObject({ error: 'origin_not_allowed' });
  });
});
