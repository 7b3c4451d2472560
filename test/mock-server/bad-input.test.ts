import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockServer } from '../../src/mock-server/index.js';
import { authorize, CLIENT, login, ORIGIN, pkce, REDIRECT, server } from './helpers.js';

/** Everything a rejected request must leave alone (the event log may only gain request-log entries). */
function snapshot(s: MockServer): string {
  return JSON.stringify({
    families: s.control.families(),
    faults: s.control.faults(),
    itp: s.control.itpEnabled(),
    stateEvents: s.control.events().filter((e) => e.type !== 'token_request' && e.type !== 'authorize' && e.type !== 'resource_request').length,
  });
}

type Shape = { kind: 'json'; status: number; error: string } | { kind: 'redirect'; error: string; iss: string | null };

/** A spec-shaped rejection: 4xx JSON `{error, error_description}`, or (authorize) an error sent back to the client with iss. */
async function shape(res: Response): Promise<Shape> {
  if (res.status === 302) {
    const loc = new URL(res.headers.get('location')!);
    const p = new URLSearchParams(loc.hash ? loc.hash.slice(1) : loc.search);
    return { kind: 'redirect', error: p.get('error') ?? '', iss: p.get('iss') };
  }
  if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/html')) {
    const m = /"error":"([a-z_]+)".*"iss":"([^"]+)"/.exec(await res.text());
    return { kind: 'redirect', error: m?.[1] ?? '', iss: m?.[2] ?? null };
  }
  const body = (await res.json()) as { error?: unknown; error_description?: unknown };
  expect(typeof body.error_description).toBe('string');
  return { kind: 'json', status: res.status, error: typeof body.error === 'string' ? body.error : '' };
}

function expectRejected(sh: Shape): void {
  if (sh.kind === 'json') {
    expect(sh.status).toBeGreaterThanOrEqual(400);
    expect(sh.status).toBeLessThan(500);
  } else {
    expect(sh.iss).toBe(`${ORIGIN}/`);
  }
  expect(sh.error).toMatch(/^[a-z_]+$/);
}

type Fields = Array<[string, string]>;
type Mutation =
  | { op: 'drop'; i: number }
  | { op: 'duplicate'; i: number }
  | { op: 'oversize'; i: number }
  | { op: 'replace'; i: number; value: string };

function mutate(fields: Fields, m: Mutation): Fields {
  const out = fields.map(([k, v]) => [k, v] as [string, string]);
  const i = m.i % out.length;
  if (m.op === 'drop') out.splice(i, 1);
  else if (m.op === 'duplicate') out.push([out[i]![0], out[i]![1]]);
  else if (m.op === 'oversize') out[i]![1] = 'x'.repeat(5000);
  else out[i]![1] = m.value;
  return out;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('oversize' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), i: fc.nat(), value: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', 'plain', 'none login', '-1', 'nope')) }),
);

const bodyKind = fc.constantFrom('form', 'json', 'text/plain', 'none', 'json-array', 'junk-json') as fc.Arbitrary<string>;

function request(path: string, fields: Fields, kind: string): Request {
  const url = `${ORIGIN}${path}`;
  if (kind === 'none') return new Request(url, { method: 'POST', body: new URLSearchParams(fields).toString() });
  if (kind === 'text/plain') return new Request(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: new URLSearchParams(fields).toString() });
  if (kind === 'json') return new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(Object.fromEntries(fields)) });
  if (kind === 'json-array') return new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fields) });
  if (kind === 'junk-json') return new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"grant_type":' });
  return new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

describe('malformed requests: spec-shaped 4xx, never 5xx, never a state change', () => {
  let s: MockServer;
  let code: { code: string; verifier: string };
  let refreshToken: string;
  let challenge: string;

  beforeAll(async () => {
    s = server();
    refreshToken = (await login(s)).refresh_token!;
    const a = await authorize(s);
    code = { code: a.params.get('code')!, verifier: a.verifier };
    challenge = pkce().challenge;
  });

  it('a table of known-bad requests', async () => {
    const before = snapshot(s);
    const cases: Array<[string, Request]> = [
      ['no content type', new Request(`${ORIGIN}/oauth/token`, { method: 'POST', body: 'grant_type=refresh_token' })],
      ['multipart', new Request(`${ORIGIN}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--' })],
      ['invalid UTF-8', new Request(`${ORIGIN}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new Uint8Array([0xff, 0xfe, 0x3d]) })],
      ['body over 64 KiB', request('/oauth/token', [['grant_type', 'refresh_token'], ['pad', 'x'.repeat(70_000)]], 'form')],
      ['non-string JSON values', new Request(`${ORIGIN}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"grant_type":"refresh_token","client_id":["demo"],"refresh_token":1}' })],
      ['too many parameters', request('/oauth/token', Array.from({ length: 100 }, (_, i) => [`p${i}`, 'v'] as [string, string]), 'form')],
      ['unknown grant type', request('/oauth/token', [['grant_type', 'password'], ['client_id', CLIENT]], 'form')],
      ['unknown client', request('/oauth/token', [['grant_type', 'refresh_token'], ['client_id', 'nope'], ['refresh_token', refreshToken]], 'form')],
      ['duplicated refresh_token', request('/oauth/token', [['grant_type', 'refresh_token'], ['client_id', CLIENT], ['refresh_token', refreshToken], ['refresh_token', refreshToken]], 'form')],
      ['GET on the token endpoint', new Request(`${ORIGIN}/oauth/token`)],
      ['unknown path', new Request(`${ORIGIN}/nope`)],
      ['login with unknown transaction', request('/u/login', [['state', 'nope'], ['username', 'demo'], ['password', 'demo']], 'form')],
      ['junk bearer', new Request(`${ORIGIN}/userinfo`, { headers: { Authorization: 'Bearer not.a.jwt' } })],
      ['basic auth on the API', new Request(`${ORIGIN}/api/private`, { headers: { Authorization: 'Basic ZGVtbzpkZW1v' } })],
      ['duplicated returnTo', new Request(`${ORIGIN}/v2/logout?returnTo=http://localhost:1/&returnTo=http://localhost:2/`)],
      ['authorize without anything', new Request(`${ORIGIN}/authorize`)],
      ['control: junk JSON', new Request(`${ORIGIN}/__control/faults`, { method: 'POST', body: '[1,2' })],
      ['control: bad fault', new Request(`${ORIGIN}/__control/faults`, { method: 'POST', body: '{"dropNextRotation":-3}' })],
    ];
    for (const [name, req] of cases) {
      const res = await s.fetch(req);
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
      const body = (await res.json()) as Record<string, unknown>;
      expect(typeof body.error, name).toBe('string');
      expect(typeof body.error_description, name).toBe('string');
    }
    expect(snapshot(s)).toBe(before);
  });

  it('property: any mutation of a valid token, revoke or authorize request is rejected and changes nothing', async () => {
    const before = snapshot(s);
    const token: Fields[] = [
      [['grant_type', 'refresh_token'], ['client_id', CLIENT], ['refresh_token', refreshToken]],
      [['grant_type', 'authorization_code'], ['client_id', CLIENT], ['code', code.code], ['code_verifier', code.verifier], ['redirect_uri', REDIRECT]],
    ];
    const authorizeFields: Fields = [
      ['client_id', CLIENT], ['redirect_uri', REDIRECT], ['response_type', 'code'], ['code_challenge', challenge],
      ['code_challenge_method', 'S256'], ['scope', 'openid offline_access'], ['state', 's'], ['nonce', 'n'],
      ['prompt', 'none'], ['max_age', '60'], ['response_mode', 'query'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutation, bodyKind, fc.constantFrom('token', 'revoke', 'authorize'), async (which, m, kind, target) => {
        // a JSON object cannot repeat a member: the "duplicate" would be the valid request itself
        fc.pre(!(kind === 'json' && m.op === 'duplicate' && target !== 'authorize'));
        let res: Response;
        if (target === 'authorize') {
          // prompt=none without a session makes even the unmutated request an error: nothing may be issued,
          // so only a mutation that removes or changes prompt=none could make the request a valid one
          const at = m.i % authorizeFields.length;
          fc.pre(!(authorizeFields[at]![0] === 'prompt' && (m.op === 'drop' || (m.op === 'replace' && m.value !== 'none'))));
          const q = new URLSearchParams(mutate(authorizeFields, m));
          res = await s.fetch(new Request(`${ORIGIN}/authorize?${q}`));
        } else if (target === 'revoke') {
          const fields: Fields = [['client_id', CLIENT], ['token', refreshToken]];
          const mm = m.op === 'replace' ? { ...m, i: 0 } : m; // a different token is simply unknown: 200 by RFC 7009
          const req = request('/oauth/revoke', mutate(fields, mm), kind);
          res = await s.fetch(req);
          if (res.status === 200) throw new Error(`revoke accepted ${m.op} with ${kind}`);
        } else {
          const base = token[which % token.length]!;
          const mutated = mutate(base, m);
          if (kind === 'form' || kind === 'json') {
            if (JSON.stringify(mutated) === JSON.stringify(base)) return; // replace with the same value
          }
          res = await s.fetch(request('/oauth/token', mutated, kind));
        }
        expectRejected(await shape(res));
        expect(snapshot(s)).toBe(before);
      }),
      { numRuns: 300, seed: 20261123, endOnFailure: true },
    );
    // the tokens the mutations were made from still work: nothing was consumed
    expect((await s.fetch(request('/oauth/token', [['grant_type', 'authorization_code'], ['client_id', CLIENT], ['code', code.code], ['code_verifier', code.verifier], ['redirect_uri', REDIRECT]], 'form'))).status).toBe(200);
    expect((await s.fetch(request('/oauth/token', [['grant_type', 'refresh_token'], ['client_id', CLIENT], ['refresh_token', refreshToken]], 'form'))).status).toBe(200);
  });

  it('property: random requests to any endpoint never answer 5xx and never change state', async () => {
    const fresh = server();
    await login(fresh);
    const before = snapshot(fresh);
    const paths = ['/authorize', '/oauth/token', '/oauth/revoke', '/userinfo', '/u/login', '/v2/logout', '/oidc/logout', '/api/private', '/.well-known/jwks.json', '/x'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
        fc.constantFrom(...paths),
        fc.array(fc.tuple(fc.constantFrom('client_id', 'grant_type', 'code', 'refresh_token', 'token', 'redirect_uri', 'state', 'returnTo', 'id_token_hint', 'prompt'), fc.string({ maxLength: 30 })), { maxLength: 8 }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/json; charset=utf-8', ''),
        fc.string({ maxLength: 200 }),
        fc.dictionary(fc.constantFrom('Origin', 'Authorization', 'Cookie', 'Sec-Fetch-Site'), fc.string({ maxLength: 30 }).filter((v) => /^[\x20-\x7e]*$/.test(v))),
        async (method, path, query, type, body, headers) => {
          const q = new URLSearchParams(query);
          const init: RequestInit = { method, headers: { ...(type ? { 'Content-Type': type } : {}), ...headers } };
          if (method !== 'GET') init.body = body;
          const res = await fresh.fetch(new Request(`${ORIGIN}${path}?${q}`, init));
          expect(res.status).toBeLessThan(500);
          await res.arrayBuffer();
          expect(snapshot(fresh)).toBe(before);
        },
      ),
      { numRuns: 300, seed: 7, endOnFailure: true },
    );
  });
});
