// The DPoP scenarios against oidc-provider 9 (its `features.dPoP`, server nonces required), so the
// SDK's DPoP is not only proven against its own mock: login binds the refresh token to the page's
// key (token_type DPoP), userinfo and forced refreshes carry proofs (nonce challenges answered), a
// refresh token read out of localStorage is refused from Node without the key, and the page keeps
// refreshing; logout revokes.
import { randomBytes } from 'node:crypto';
import type { Page, Response } from '@playwright/test';
import { createDpopProof, generateDpopKey } from '../../src/dpop/key.js';
import { clientCall, expect, loginWithRedirect, test as base, waitForHarness, type StaticServer } from '../fixtures.js';
import { startOidcProvider, type RunningOidcProvider } from './server.js';

const test = base.extend<{ provider: RunningOidcProvider }>({
  provider: async ({ app }, use) => {
    const provider = await startOidcProvider({
      appOrigin: app.url,
      features: { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } },
    });
    await use(provider);
    await provider.close();
  },
});

async function openHarness(page: Page, app: StaticServer, provider: RunningOidcProvider): Promise<void> {
  const config = {
    clientId: provider.clientId,
    cacheLocation: 'localstorage',
    options: { issuer: provider.issuer, loadUserInfo: true, useDpop: true, authorizationParams: { redirect_uri: `${app.url}/` } },
  };
  await page.goto(`${app.url}/?${new URLSearchParams({ config: JSON.stringify(config) })}`);
  await waitForHarness(page);
}

async function refreshFromNode(provider: RunningOidcProvider, refreshToken: string, proof?: string) {
  const res = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(proof ? { DPoP: proof } : {}) },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: provider.clientId, refresh_token: refreshToken }),
  });
  return { status: res.status, nonce: res.headers.get('dpop-nonce'), body: (await res.json()) as Record<string, unknown> };
}

test('oidc-provider with DPoP and required nonces: bound tokens, proofs everywhere, a stolen refresh token is useless', async ({ page, app, provider }) => {
  const statuses: Array<{ status: number; error?: string; token_type?: string }> = [];
  page.on('response', (res: Response) => {
    if (res.url() === `${provider.issuer}/token` && res.request().method() === 'POST') {
      void res.json().then((b: { error?: string; token_type?: string }) => statuses.push({ status: res.status(), ...b }), () => undefined);
    }
  });
  await openHarness(page, app, provider);
  await loginWithRedirect(page, app);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
  const detailed = await clientCall<{ token_type: string }>(page, 'getTokenSilently', { detailedResponse: true });
  expect(detailed).toMatchObject({ ok: true, value: { token_type: 'DPoP' } });

  // userinfo with the DPoP-bound access token (Authorization: DPoP + proof with ath)
  expect(await clientCall(page, 'getUser')).toMatchObject({ ok: true, value: { sub: provider.user.sub, email: provider.user.email } });

  // two forced refreshes rotate (with proofs from the login's key)
  const first = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
  const second = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
  expect(first.ok && second.ok && first.value !== second.value).toBe(true);
  await expect.poll(() => statuses.filter((s) => s.status === 200).length).toBe(3);
  expect(statuses.filter((s) => s.status === 200).every((s) => s.token_type === 'DPoP')).toBe(true);
  // the nonce challenge comes once (code exchange); the stored nonce serves the refreshes
  expect(statuses.filter((s) => s.error === 'use_dpop_nonce').length).toBeLessThanOrEqual(1);

  // a thief reads the refresh token out of localStorage and presents it from Node
  const stolen = await page.evaluate(() => {
    for (const k of Object.keys(localStorage)) {
      const m = /"refresh_token":"([^"]+)"/.exec(localStorage.getItem(k) ?? '');
      if (m) return m[1];
    }
    return undefined;
  });
  expect(stolen).toBeTruthy();
  expect(await refreshFromNode(provider, stolen!)).toMatchObject({ status: 400 });
  const thief = await generateDpopKey();
  const url = `${provider.issuer}/token`;
  const challenge = await refreshFromNode(provider, stolen!, await createDpopProof(thief, { url, method: 'POST' }));
  const withNonce = await refreshFromNode(provider, stolen!, await createDpopProof(thief, { url, method: 'POST', ...(challenge.nonce ? { nonce: challenge.nonce } : {}) }));
  expect(withNonce).toMatchObject({ status: 400, body: { error: 'invalid_grant' } }); // oidc-provider: 'failed jkt verification' (described generically)

  // the user's tab keeps refreshing: the provider did not revoke the grant for the thief's attempts
  expect(await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).toMatchObject({ ok: true });
  expect(provider.count('grant.revoked')).toBe(0);

  // logout revokes the refresh token
  await clientCall(page, 'logout', { openUrl: false });
  await expect.poll(() => provider.count('grant.revoked')).toBeGreaterThanOrEqual(1);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
  expect(provider.count('server_error')).toBe(0);
});
