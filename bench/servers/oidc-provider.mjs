// oidc-provider 9 configured as the comparison authorization server: one
// public client (no secret, PKCE S256 required, which oidc-provider enforces
// for public clients), refresh tokens issued on every code exchange (the
// `issueRefreshToken` policy, since oidc-provider otherwise drops
// offline_access when prompt isn't consent) and rotated on every use
// (`rotateRefreshToken: true`; reuse of a consumed token revokes the grant).
// Interactions are answered by the bench itself: login as user-1, consent to
// what is asked. Storage: oidc-provider's default in-memory adapter.
//
// With `{ jwtAccessTokens: true, alg }` it is set up to sign what the mock
// server signs (the fair comparison): access tokens are JWTs for a resource
// (RFC 8707 resource indicators, `accessTokenFormat: 'jwt'`) signed with
// `alg`, and ID tokens too; without options it is oidc-provider's default
// (opaque access tokens, RS256 ID tokens).
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { Provider } from 'oidc-provider';

export const OIDC_CLIENT = { clientId: 'bench', redirectUri: 'http://127.0.0.1/cb', scope: 'openid offline_access' };
export const API = 'https://api.rotor.test';
export const OIDC_JWT_CLIENT = { ...OIDC_CLIENT, scope: 'openid offline_access api:read', extra: { resource: API } };

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return { keys: [{ ...rsa, kid: 'rs', alg: 'RS256', use: 'sig' }, { ...ec, kid: 'es', alg: 'ES256', use: 'sig' }] };
}

export async function startOidcProvider({ jwtAccessTokens = false, alg = 'RS256' } = {}) {
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
      id_token_signed_response_alg: alg,
    }],
    jwks: signingKeys(),
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600,
      Grant: 14 * 86400, RefreshToken: 14 * 86400, Session: 14 * 86400,
    },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: {
      devInteractions: { enabled: false },
      ...(jwtAccessTokens ? {
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => API,
          useGrantedResource: async () => true,
          getResourceServerInfo: async () => ({ scope: 'api:read', audience: API, accessTokenFormat: 'jwt', jwt: { sign: { alg } } }),
        },
      } : {}),
    },
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
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
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
