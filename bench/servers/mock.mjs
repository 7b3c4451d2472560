// The rotor-auth mock server from the build (dist/mock-server.mjs), on a
// random loopback port, with the default public client `demo` and
// auto-login as user-1 so logins need no form.
export const MOCK_CLIENT = {
  clientId: 'demo',
  redirectUri: 'http://127.0.0.1/cb',
  scope: 'openid profile offline_access',
  extra: { audience: 'https://api.rotor.test' },
};

export async function loadMockServerModule() {
  return import(new URL('../../dist/mock-server.mjs', import.meta.url).href);
}

export async function startMockServer(options = {}) {
  const { createMockServer } = await loadMockServerModule();
  const mock = createMockServer({ autoLogin: 'user-1', ...options });
  const { url, close } = await mock.listen(0, '127.0.0.1');
  const base = url.replace(/\/$/, '');
  return {
    url: base,
    mock,
    endpoints: { authorize: `${base}/authorize`, token: `${base}/oauth/token` },
    close,
  };
}
