// oidc-provider 9 (OpenID Certified) started in-process as a second, independent authorization
// server, with the standard configuration for a single-page app: a public client (no secret,
// PKCE S256, which the provider requires for public clients), refresh tokens rotated on every use
// (reuse revokes the grant), revocation and RP-initiated logout on, profile and email claims from
// userinfo (OIDC Core 5.4). Interactions are answered here: sign in as `user`, consent to what is
// asked. Reusable: `features` is merged over the defaults (e.g. `features: { dPoP: { enabled: true } }`).
import { generateKeyPairSync } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcProviderOptions {
  /** Origin of the SPA (its `/` is the redirect and post-logout URI; CORS is allowed from it). */
  appOrigin: string;
  clientId?: string;
  /**
   * `'documented-spa'` (default): oidc-provider's documented `issueRefreshToken` example for public
   * web clients, refresh tokens without `offline_access` in the grant unless `prompt=consent`.
   * `'offline_access-only'`: the default policy, refresh tokens only for a consented `offline_access`.
   */
  refreshTokenPolicy?: 'documented-spa' | 'offline_access-only';
  /** Merged over the features below (revocation, rpInitiatedLogout, userinfo on; devInteractions off). */
  features?: Record<string, unknown>;
  /** Seconds. */
  accessTokenTtl?: number;
}

export interface ProviderEvent {
  type: string;
  /** For tokens: the token's kind and grant; for grants: the grant id. */
  detail?: Record<string, unknown>;
}

export interface RunningOidcProvider {
  /** `http://127.0.0.1:<port>` (no trailing slash): the `issuer` option for discovery. */
  issuer: string;
  clientId: string;
  user: { sub: string; name: string; email: string };
  /** Every provider event of interest, in order. */
  events: ProviderEvent[];
  count(type: string): number;
  /** oidc-provider's own console notices (Node version, dev adapter), kept out of the test output. */
  notices: string[];
  close(): Promise<void>;
}

/** The provider events the specs count. */
export const COUNTED_EVENTS = [
  'grant.success',
  'grant.error',
  'grant.revoked',
  'refresh_token.saved',
  'refresh_token.consumed',
  'refresh_token.destroyed',
  'end_session.success',
  'userinfo.error',
  'server_error',
] as const;

/**
 * Route oidc-provider's `oidc-provider NOTICE/WARNING` console lines into `sink` while `fn` runs
 * and until the returned restore is called (it prints them at import, at start and on use).
 */
function divertNotices(sink: string[]): () => void {
  const original = { info: console.info, warn: console.warn };
  const divert = (fallback: (...args: unknown[]) => void) => (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) sink.push(args.map(String).join(' '));
    else fallback(...args);
  };
  console.info = divert(original.info);
  console.warn = divert(original.warn);
  return () => {
    console.info = original.info;
    console.warn = original.warn;
  };
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const notices: string[] = [];
  const restoreConsole = divertNotices(notices);
  const { Provider } = await import('oidc-provider');
  const clientId = options.clientId ?? 'spa';
  const user = { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.test' };
  const redirect = `${options.appOrigin}/`;

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [redirect],
        post_logout_redirect_uris: [redirect],
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'e2e-rs256', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['rotor-auth-e2e-cookie-key'] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, name: user.name, email: user.email, email_verified: true }),
    }),
    // The SPA's origin (its redirect URI's) may call the token, revocation and userinfo endpoints.
    clientBasedCORS: (_ctx: unknown, origin: string) => origin === options.appOrigin,
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ...(options.refreshTokenPolicy === 'offline_access-only'
      ? {}
      : {
          // oidc-provider's documented example: refresh tokens for public web clients (SPAs) too.
          issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean; applicationType: string; clientAuthMethod: string }, code: { scopes: Set<string> }) =>
            client.grantTypeAllowed('refresh_token') &&
            (code.scopes.has('offline_access') || (client.applicationType === 'web' && client.clientAuthMethod === 'none')),
        }),
    ttl: { AccessToken: options.accessTokenTtl ?? 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 86400, RefreshToken: 86400, Session: 86400 },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Its default pages import a web font (offline here): plain pages; the confirmation submits itself.
        logoutSource: async (ctx: { body: string }, form: string) => {
          ctx.body = page(
            'Sign out',
            `${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}<script>document.forms[0].submit()</script>`,
          );
        },
        postLogoutSuccessSource: async (ctx: { body: string }) => {
          ctx.body = page('Signed out', '<p>Signed out.</p>');
        },
      },
      ...options.features,
    },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<pre id="error">${JSON.stringify(out)}</pre>`);
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
  });

  const events: ProviderEvent[] = [];
  for (const type of COUNTED_EVENTS) {
    provider.on(type, (...args: unknown[]) => {
      const model = args.find((a) => a && typeof a === 'object' && 'kind' in (a as object)) as Record<string, unknown> | undefined;
      events.push({ type, detail: model ? { kind: model.kind, grantId: model.grantId } : typeof args[0] === 'string' ? { id: args[0] } : undefined });
    });
  }

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    void interact(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });

  /** Sign in as `user` and consent to whatever the provider says is missing. */
  async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId: details.session?.accountId ?? user.sub, clientId });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    clientId,
    user,
    events,
    count: (type) => events.filter((e) => e.type === type).length,
    notices,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          restoreConsole();
          resolve();
        });
      }),
  };
}
