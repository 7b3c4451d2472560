// oidc-provider 9 configured as the comparison authorization server: one
// public client (no secret, PKCE S256 required, which oidc-provider enforces
// for public clients), refresh tokens issued on every code exchange (the
// `issueRefreshToken` policy, since oidc-provider otherwise drops
// offline_access when prompt isn't consent) and rotated on every use
// (`rotateRefreshToken: true`; reuse of a consumed token revokes the grant).
// Interactions are answered by the bench itself: login as user-1, consent to
// what is asked. Storage: oidc-provider's default in-memory adapter.
import http from 'node:http';
import { Provider } from 'oidc-provider';

export const OIDC_CLIENT = { clientId: 'bench', redirectUri: 'http://127.0.0.1/cb', scope: 'openid offline_access' };

export async function startOidcProvider() {
  const server = http.createServer();
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT.clientId,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [OIDC_CLIENT.redirectUri],
    }],
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600,
      Grant: 14 * 86400, RefreshToken: 14 * 86400, Session: 14 * 86400,
    },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  // quiet the dev-config warnings the provider prints to the console
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    if (!req.url.startsWith('/interaction/')) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(req, res, { login: { accountId: 'user-1' } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });

  return {
    url: issuer,
    endpoints: { authorize: `${issuer}/auth`, token: `${issuer}/token` },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
