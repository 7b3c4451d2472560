import { json } from '../http.js';
import type { RouteArgs } from '../context.js';

/** OpenID Provider metadata (OIDC Discovery 1.0, RFC 8414). */
export async function discovery({ issuer, ctx }: RouteArgs): Promise<Response> {
  return json(
    {
      issuer,
      authorization_endpoint: `${issuer}authorize`,
      token_endpoint: `${issuer}oauth/token`,
      revocation_endpoint: `${issuer}oauth/revoke`,
      userinfo_endpoint: `${issuer}userinfo`,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      end_session_endpoint: `${issuer}oidc/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'web_message'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [ctx.opts.signingAlg],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'name', 'nickname', 'preferred_username', 'email', 'email_verified'],
      prompt_values_supported: ['none', 'login', 'consent'],
      authorization_response_iss_parameter_supported: true,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      claims_parameter_supported: false,
      ...(ctx.opts.dpop.mode !== 'off' ? { dpop_signing_alg_values_supported: ctx.opts.dpop.algorithms } : {}),
    },
    200,
    { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' },
  );
}
