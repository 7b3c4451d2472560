// Scenario 5 in WebKit: useDpop with the IndexedDB cache. The key pair the SDK made lives in
// IndexedDB (database rotor-auth-dpop, store dpop) as CryptoKey objects whose private half is not
// extractable (WebKit refuses exportKey); its thumbprint is the jkt the server bound the family
// and the access tokens to. A refresh token read out of the page's IndexedDB (as an XSS payload
// would) is refused from Node without a proof and with a proof of another key; the tab's own
// refreshes, signed by the stored key, keep rotating (also after a reload).
import { createHash } from 'node:crypto';
import type { WebDriver } from 'selenium-webdriver';
import { createDpopProof, generateDpopKey } from '../../src/dpop/key.js';
import { tokenRequests, type RunningMockServer } from '../fixtures.js';
import { clientCall, expect, loginWithRedirect, openHarness, test, waitForHarness } from './fixtures.js';

const API = 'https://api.rotor.test';

test.use({ mockOptions: { autoLogin: 'user-1' } });

interface StoredKey {
  key: string;
  privateType: string;
  extractable: boolean;
  usages: string[];
  algorithm: { name: string; namedCurve?: string };
  publicJwk: { crv: string; kty: string; x: string; y: string };
  exportPrivate: string;
}

/** Every CryptoKeyPair in the SDK's DPoP database, as the page sees it (and whether exportKey gives the private key away). */
function storedDpopKeys(driver: WebDriver): Promise<StoredKey[]> {
  return driver.executeScript<StoredKey[]>(`
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open('rotor-auth-dpop');
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var os = open.result.transaction('dpop').objectStore('dpop');
        var keys = os.getAllKeys(), values = os.getAll();
        values.onerror = function () { reject(values.error); };
        values.onsuccess = async function () {
          var out = [];
          for (var i = 0; i < values.result.length; i++) {
            var v = values.result[i];
            if (!v || !(v.privateKey instanceof CryptoKey)) continue;
            var exported = await crypto.subtle.exportKey('jwk', v.privateKey).then(function () { return 'exported'; }, function (e) { return e.name; });
            out.push({
              key: String(keys.result[i]),
              privateType: v.privateKey.type,
              extractable: v.privateKey.extractable,
              usages: v.privateKey.usages,
              algorithm: { name: v.privateKey.algorithm.name, namedCurve: v.privateKey.algorithm.namedCurve },
              publicJwk: await crypto.subtle.exportKey('jwk', v.publicKey),
              exportPrivate: exported,
            });
          }
          open.result.close();
          resolve(out);
        };
      };
    });`);
}

/** The refresh token as an XSS payload would read it from the page's IndexedDB token cache. */
async function readRefreshToken(driver: WebDriver): Promise<string> {
  const values = await driver.executeScript<string[]>(`
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open('rotor-auth');
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var all = open.result.transaction('tokens').objectStore('tokens').getAll();
        all.onsuccess = function () { resolve(all.result.map(function (v) { return typeof v === 'string' ? v : JSON.stringify(v); })); open.result.close(); };
        all.onerror = function () { reject(all.error); };
      };
    });`);
  for (const v of values) {
    const m = /"refresh_token":"([^"]+)"/.exec(v);
    if (m) return m[1]!;
  }
  throw new Error('no refresh token in IndexedDB');
}

/** RFC 7638 thumbprint of an EC public JWK, computed here (not by the SDK nor the mock). */
const thumbprint = ({ crv, kty, x, y }: StoredKey['publicJwk']) => createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');

const cnfJkt = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { cnf?: { jkt?: string } }).cnf?.jkt;

/** The attacker, outside the browser: a refresh with the stolen token (the server's handler; no socket, no CORS). */
async function refreshFromNode(mock: RunningMockServer, refreshToken: string, proof?: string) {
  const res = await mock.server.fetch(
    new Request(`${mock.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(proof ? { DPoP: proof } : {}) },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: refreshToken }),
    }),
  );
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

test('the DPoP key is a non-extractable CryptoKey in IndexedDB; its thumbprint is the jkt of the family and the tokens', async ({ driver, app, mock }) => {
  await openHarness(driver, app, { domain: mock.url, cacheLocation: 'indexeddb', audience: API, options: { useDpop: true } });
  await loginWithRedirect(driver, app);
  const [family] = mock.control.families();
  expect(family?.jkt, 'the family is DPoP-bound').toEqual(expect.any(String));

  const keys = await storedDpopKeys(driver);
  expect(keys, 'one key pair in rotor-auth-dpop').toHaveLength(1);
  const [key] = keys as [StoredKey];
  expect(key).toMatchObject({ privateType: 'private', extractable: false, usages: ['sign'], algorithm: { name: 'ECDSA', namedCurve: 'P-256' } });
  expect(key.exportPrivate, 'exportKey of the private key is refused').toBe('InvalidAccessError');
  expect(thumbprint(key.publicJwk), 'the stored key is the one the server bound').toBe(family!.jkt);
  expect(key.key).toContain(family!.jkt as string);

  const first = await clientCall<string>(driver, 'getTokenSilently');
  expect(first).toMatchObject({ ok: true, value: expect.any(String) });
  expect(cnfJkt((first as { value: string }).value), 'the access token is bound to the key (cnf.jkt)').toBe(family!.jkt);

  // A forced refresh is signed by the stored key: accepted, the new access token bound to the same key.
  const forced = await clientCall<string>(driver, 'getTokenSilently', { cacheMode: 'off' });
  expect(forced).toMatchObject({ ok: true, value: expect.any(String) });
  expect(cnfJkt((forced as { value: string }).value)).toBe(family!.jkt);
  expect(mock.control.family(family!.id)).toMatchObject({ status: 'active', rotations: 1, jkt: family!.jkt });
  expect(mock.events('dpop.rejected')).toHaveLength(0);

  // The resource server takes the bound token with a proof from the page's key.
  const api = await driver.executeScript<{ status: number; sub?: string }>(
    'return window.e2e.client.createFetcher({ baseUrl: arguments[0], dpopNonceId: "api" }).fetchWithAuth("/api/private").then(function (r) { return r.json().then(function (b) { return { status: r.status, sub: b.sub }; }); })',
    mock.url,
  );
  expect(api).toEqual({ status: 200, sub: 'user-1' });

  // A reload finds the same key in IndexedDB (no new key, no new binding).
  await driver.navigate().refresh();
  await waitForHarness(driver);
  expect((await storedDpopKeys(driver)).map((k) => thumbprint(k.publicJwk))).toEqual([family!.jkt]);
  expect(await clientCall(driver, 'getTokenSilently', { cacheMode: 'off' })).toMatchObject({ ok: true });
  expect(mock.control.family(family!.id)).toMatchObject({ status: 'active', rotations: 2 });
});

test('a refresh token stolen from IndexedDB is refused without the key (no proof, or another key\'s proof); the tab keeps refreshing', async ({ driver, app, mock }) => {
  await openHarness(driver, app, { domain: mock.url, cacheLocation: 'indexeddb', audience: API, options: { useDpop: true } });
  await loginWithRedirect(driver, app);
  const family = mock.control.families()[0]!;
  expect(family.jkt).toBeTruthy();
  const stolen = await readRefreshToken(driver);
  expect(stolen).toBe(mock.control.stealRefreshToken(family.id).refresh_token);

  const bare = await refreshFromNode(mock, stolen);
  expect(bare).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  const thief = await generateDpopKey();
  expect(thief.jkt).not.toBe(family.jkt);
  const proof = await createDpopProof(thief, { url: `${mock.url}/oauth/token`, method: 'POST', now: () => mock.control.now() });
  expect(await refreshFromNode(mock, stolen, proof)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  const rejected = mock.events('dpop.rejected');
  expect(rejected.map((e) => e.family)).toEqual([family.id, family.id]);
  expect(rejected.map((e) => e.detail?.description)).toEqual([
    'This token is DPoP-bound: a DPoP proof from its key is required',
    'DPoP proof key does not match the key this token is bound to',
  ]);
  // Refused before the grant ran: nothing rotated, nothing revoked, the token still the family's current one.
  expect(mock.control.family(family.id)).toMatchObject({ status: 'active', rotations: 0 });
  expect(mock.control.stealRefreshToken(family.id).refresh_token).toBe(stolen);

  const seen = new Set<string>();
  for (let round = 1; round <= 2; round++) {
    const next = await clientCall<string>(driver, 'getTokenSilently', { cacheMode: 'off' });
    expect(next, `the tab's refresh ${round}`).toMatchObject({ ok: true, value: expect.any(String) });
    seen.add((next as { value: string }).value);
  }
  expect(seen.size).toBe(2);
  expect(tokenRequests(mock, 'refresh_token').map((e) => e.status)).toEqual([400, 400, 200, 200]);
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  expect(mock.events('dpop.rejected')).toHaveLength(2);
  expect(mock.control.family(family.id)).toMatchObject({ status: 'active', rotations: 2 });
  // The token stolen before is now a rotated one; without the key it is still refused as a proof error (no reuse revocation).
  expect(await refreshFromNode(mock, stolen)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  expect(mock.control.family(family.id)).toMatchObject({ status: 'active' });
});
