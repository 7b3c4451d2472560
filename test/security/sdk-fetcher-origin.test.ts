/** Issue 23 item 2 and "Also noticed": the fetcher sends the token only to allowed origins; methods upper-cased once. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FetcherOriginError } from '../../src/index.js';
import { API, APP, harness, login, makeClient, rejectionOf, useFakeDate } from '../sdk/helpers.js';

const h = harness();
useFakeDate();
afterEach(() => vi.unstubAllGlobals());

/** A resource server that records what it was sent and answers 200 with `headers`. */
function resource(headers: Record<string, string> = {}) {
  const sent: Request[] = [];
  const fetch = vi.fn(async (r: Request) => (sent.push(r), new Response('ok', { status: 200, headers })));
  return { fetch, sent };
}

describe('fetcher origin allow-list', () => {
  it('never asks for (nor sends) the token for an origin outside allowedOrigins, whatever its spelling', async () => {
    h.start();
    const client = makeClient();
    await login(h, client);
    const spy = vi.spyOn(client, 'getTokenSilently');
    const api = resource();
    const { fetchWithAuth } = client.createFetcher({ baseUrl: `${API}/v1`, fetch: api.fetch });
    for (const url of ['https://evil.example/x', 'HTTP://EVIL.EXAMPLE/x', 'http://api.rotor.test/x', 'https://api.rotor.test:8443/x', new URL('https://evil.example/u'), new Request('https://evil.example/r')]) {
      const e = await rejectionOf(fetchWithAuth(url));
      expect(e).toBeInstanceOf(FetcherOriginError);
      expect(e).toMatchObject({ error: 'origin_not_allowed', origin: expect.stringMatching(/^https?:\/\//) });
      expect(e.error_description).toMatch(/allowedOrigins/);
    }
    expect(spy).not.toHaveBeenCalled();
    expect(api.fetch).not.toHaveBeenCalled();
    // the same origin in another spelling, and a protocol-relative path (joined to baseUrl), are fine
    expect((await fetchWithAuth('HTTPS://API.ROTOR.TEST/ok')).status).toBe(200);
    expect((await fetchWithAuth('//evil.example/x')).status).toBe(200);
    expect(api.sent.map((r) => new URL(r.url).origin)).toEqual([API, API]);
    expect(api.sent[0]!.headers.get('Authorization')).toMatch(/^Bearer /);
  });

  it('allowedOrigins replaces the default; without baseUrl the default is the page origin', async () => {
    h.start();
    const client = makeClient();
    await login(h, client);
    const api = resource();
    const listed = client.createFetcher({ baseUrl: API, allowedOrigins: ['https://OTHER-API.rotor.test/ignored/path'], fetch: api.fetch });
    expect((await listed.fetchWithAuth('https://other-api.rotor.test/x')).status).toBe(200);
    await expect(listed.fetchWithAuth('/x')).rejects.toBeInstanceOf(FetcherOriginError);
    vi.stubGlobal('location', { origin: APP });
    const page = client.createFetcher({ fetch: api.fetch });
    expect((await page.fetchWithAuth(`${APP}/x`)).status).toBe(200);
    await expect(page.fetchWithAuth(`${API}/x`)).rejects.toBeInstanceOf(FetcherOriginError);
  });

  it('upper-cases the method once, for the request and the DPoP proof', async () => {
    h.start();
    const client = makeClient({ useDpop: true });
    await login(h, client);
    const api = resource();
    await client.createFetcher({ baseUrl: API, fetch: api.fetch }).fetchWithAuth('/x', { method: 'patch', body: 'b' });
    expect(api.sent[0]!.method).toBe('PATCH');
    const proof = JSON.parse(Buffer.from(api.sent[0]!.headers.get('DPoP')!.split('.')[1]!, 'base64url').toString()) as { htm: string };
    expect(proof.htm).toBe('PATCH');
    expect(await api.sent[0]!.text()).toBe('b');
  });
});
