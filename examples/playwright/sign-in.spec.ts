import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { expect, test } from 'rotor-auth/testing/playwright';

// The app under test: here a tiny page using the script-tag bundle, on its own port on localhost.
const require = createRequire(import.meta.url);
const sdk = readFileSync(require.resolve('rotor-auth/package.json').replace(/package\.json$/, 'dist/rotor-auth.min.js'), 'utf8');
const page = (authServerUrl: string) => `<!doctype html><meta charset="utf-8"><button id="login">Log in</button>
<script>${sdk}</script>
<script>
  rotorAuth.createAuthClient({
    domain: ${JSON.stringify(authServerUrl)}, clientId: 'demo',
    authorizationParams: { redirect_uri: location.origin + '/', audience: 'https://api.rotor.test' },
  }).then(async (client) => {
    if (location.search.includes('code=')) await client.handleRedirectCallback();
    document.getElementById('login').onclick = () => client.loginWithRedirect();
    window.client = client;
    document.body.dataset.ready = 'yes';
  });
</script>`;

let app: Server;
let APP: string;
test.beforeAll(async ({ authServer }) => {
  app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page(authServer.url)));
  await new Promise<void>((resolve) => app.listen(0, 'localhost', resolve));
  APP = `http://localhost:${(app.address() as AddressInfo).port}`;
});
test.afterAll(() => new Promise<void>((resolve) => app.close(() => resolve())));

test('logs in through the form and rotates the refresh token after expiry', async ({ page: tab, authServer, expireTokens }) => {
  await tab.goto(APP);
  await tab.locator('body[data-ready=yes]').waitFor();
  await tab.click('#login');
  await tab.fill('#username', 'demo');
  await tab.fill('#password', 'demo');
  await tab.click('button[type=submit]');
  await tab.locator('body[data-ready=yes]').waitFor();
  expect(await tab.evaluate(() => Reflect.get(window, 'client').isAuthenticated())).toBe(true);

  const first = await tab.evaluate(() => Reflect.get(window, 'client').getTokenSilently());
  await expireTokens(tab); // page clock and server clock move together
  const second = await tab.evaluate(() => Reflect.get(window, 'client').getTokenSilently());
  expect(second).not.toBe(first);
  const [family] = authServer.control.families();
  expect(family).toMatchObject({ status: 'active', rotations: 1 });
});

test('each test starts from a reset server', async ({ authServer }) => {
  expect(authServer.control.families()).toEqual([]);
});
