/** Issue 23 item 1: DPoP nonces belong to the server that issued them (per origin), are short NQCHAR, and end with the session. */
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dpopNonces, memoryDpopStore } from '../../src/dpop/store.js';
import { advance, API, AUTH, harness, login, makeClient, rejectionOf, tokenRequests, useFakeDate } from '../sdk/helpers.js';

const h = harness();
useFakeDate();
afterEach(() => vi.unstubAllGlobals());

function resource(headers: Record<string, string> = {}) {
  const sent: Request[] = [];
  const fetch = vi.fn(async (r: Request) => (sent.push(r), new Response('ok', { status: 200, headers })));
  return { fetch, sent };
}
const proofNonce = (jwt: string | null) => (JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()) as { nonce?: string }).nonce;

describe('DPoP nonces per origin', () => {
  it("a resource's 20,000-char DPoP-Nonce never reaches the token endpoint's proofs; refresh still works", async () => {
    h.start({ dpopNonce: true });
    const client = makeClient({ useDpop: true });
    await login(h, client);
    const asNonce = await client.getDpopNonce();
    expect(asNonce).toBeTruthy();
    const proofs: (string | null)[] = [];
    h.use(http.post(`${AUTH}/oauth/token`, ({ request }) => void proofs.push(request.headers.get('DPoP'))));
    const api = resource({ 'DPoP-Nonce': 'x'.repeat(20_000) });
    expect((await client.createFetcher({ baseUrl: API, fetch: api.fetch }).fetchWithAuth('/x')).status).toBe(200);
    expect(await client.getDpopNonce()).toBe(asNonce);
    expect(await client.getDpopNonce(API)).toBeUndefined();
    advance(60);
    expect(typeof (await client.getTokenSilently({ cacheMode: 'off' }))).toBe('string');
    expect(proofs.length).toBeGreaterThan(0);
    for (const p of proofs) expect(proofNonce(p)?.length ?? 0).toBeLessThan(600);
    expect(tokenRequests(h, 'refresh_token').filter((e) => e.status === 200)).toHaveLength(1);
  });

  it("a resource's valid nonce is kept under its origin, not the AS's, and used for that origin's proofs", async () => {
    h.start({ dpopNonce: true });
    const client = makeClient({ useDpop: true });
    await login(h, client);
    const asNonce = await client.getDpopNonce();
    const api = resource({ 'DPoP-Nonce': 'rs-1' });
    const fetcher = client.createFetcher({ baseUrl: API, fetch: api.fetch });
    await fetcher.fetchWithAuth('/x');
    expect(await client.getDpopNonce(API)).toBe('rs-1');
    expect(await client.getDpopNonce()).toBe(asNonce);
    await fetcher.fetchWithAuth('/y');
    expect(proofNonce(api.sent[1]!.headers.get('DPoP'))).toBe('rs-1');
  });

  it('only NQCHAR nonces of at most 512 chars are kept (setDpopNonce too)', async () => {
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    await nonces.set('good-1');
    for (const bad of ['has space', 'quo"te', 'back\\slash', '', 'é', 'a\nb', 'x'.repeat(513)]) {
      await nonces.set(bad);
      expect(await nonces.get()).toBe('good-1');
    }
    await nonces.set('!#[]~'.replace(']', '') + 'x'.repeat(500));
    expect((await nonces.get())!.length).toBe(504);
  });

  it('a nonce whose request got no HTTP answer is dropped (resource and token endpoint)', async () => {
    h.start({ dpopNonce: true });
    const client = makeClient({ useDpop: true });
    await login(h, client);
    await client.setDpopNonce('rs-1', API);
    const fetcher = client.createFetcher({ baseUrl: API, fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(fetcher.fetchWithAuth('/x')).rejects.toThrow('Failed to fetch');
    expect(await client.getDpopNonce(API)).toBeUndefined();
    expect(await client.getDpopNonce()).toBeTruthy();
    h.use(http.post(`${AUTH}/oauth/token`, () => HttpResponse.error()));
    advance(60);
    const e = await rejectionOf(client.getTokenSilently({ cacheMode: 'off' }));
    expect(e.error).toBe('network_error');
    expect(await client.getDpopNonce()).toBeUndefined();
  });

  it('logout forgets every stored nonce', async () => {
    h.start({ dpopNonce: true });
    const client = makeClient({ useDpop: true });
    await login(h, client);
    await client.setDpopNonce('rs-1', API);
    expect(await client.getDpopNonce()).toBeDefined();
    await client.logout({ openUrl: false });
    expect(await client.getDpopNonce()).toBeUndefined();
    expect(await client.getDpopNonce(API)).toBeUndefined();
  });
});
