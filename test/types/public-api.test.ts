// Type-level tests of the public API. `npm run typecheck` (tsc over test/) enforces them; vitest
// runs them too (expectTypeOf is a no-op at runtime, the runtime checks below are real).
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AuthClient,
  AuthenticationError,
  ConfigurationError,
  GenericError,
  MissingRefreshTokenError,
  NetworkError,
  OAuthError,
  UserInfoError,
  type AnyErrorCode,
  type AuthClientOptions,
  type ErrorCode,
  type RotorAuthError,
  type TokenResponse,
} from '../../src/index.js';

describe('getTokenSilently overloads', () => {
  const client = new AuthClient({ domain: 'auth.example.com', clientId: 'c' });

  // Compile-time only (tsc checks the body; calling it would send requests).
  function overloads(): void {
    expectTypeOf(client.getTokenSilently()).toEqualTypeOf<Promise<string>>();
    expectTypeOf(client.getTokenSilently({ cacheMode: 'off' })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(client.getTokenSilently({ detailedResponse: false })).toEqualTypeOf<Promise<string>>();
    expectTypeOf(client.getTokenSilently({ cacheMode: 'cache-only' })).toEqualTypeOf<Promise<string | undefined>>();
    expectTypeOf(client.getTokenSilently({ detailedResponse: true })).toEqualTypeOf<Promise<TokenResponse>>();
    expectTypeOf(client.getTokenSilently({ detailedResponse: true, cacheMode: 'cache-only' })).toEqualTypeOf<Promise<TokenResponse | undefined>>();
    const unknownOptions = {} as Parameters<AuthClient['getTokenSilently']>[0];
    expectTypeOf(client.getTokenSilently(unknownOptions)).toEqualTypeOf<Promise<string | TokenResponse | undefined>>();
  }

  it('resolve the type the options ask for', () => {
    expectTypeOf(overloads).toBeFunction();
  });

  it('cache-only really resolves undefined when signed out', async () => {
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBeUndefined();
  });
});

describe('error codes', () => {
  it('each SDK error class has a literal code; server errors carry any string', () => {
    expectTypeOf<MissingRefreshTokenError['error']>().toEqualTypeOf<'missing_refresh_token'>();
    expectTypeOf<NetworkError['error']>().toEqualTypeOf<'network_error'>();
    expectTypeOf<ConfigurationError['error']>().toEqualTypeOf<'invalid_configuration'>();
    expectTypeOf<UserInfoError['error']>().toEqualTypeOf<'invalid_userinfo'>();
    expectTypeOf<OAuthError['error']>().toEqualTypeOf<string>();
    expectTypeOf<AuthenticationError['error']>().toEqualTypeOf<string>();
    expectTypeOf<GenericError['error']>().toEqualTypeOf<AnyErrorCode>();
    expectTypeOf<'missing_refresh_token'>().toExtend<ErrorCode>();
    expectTypeOf<'invalid_grant'>().not.toExtend<ErrorCode>();
  });

  it('a switch over RotorAuthError narrows to the classes that can carry the code', () => {
    const describe = (err: RotorAuthError): string => {
      switch (err.error) {
        case 'invalid_configuration':
          expectTypeOf(err).toEqualTypeOf<ConfigurationError | AuthenticationError | OAuthError>();
          return 'config';
        case 'missing_refresh_token':
          expectTypeOf(err).toEqualTypeOf<MissingRefreshTokenError | AuthenticationError | OAuthError>();
          return `missing ${err instanceof MissingRefreshTokenError ? err.audience : ''}`;
        case 'network_error':
          expectTypeOf(err).toEqualTypeOf<NetworkError | AuthenticationError | OAuthError>();
          return `network ${err instanceof NetworkError ? String(err.status) : ''}`;
        default:
          return err.error;
      }
    };
    expect(describe(new ConfigurationError('x'))).toBe('config');
    expect(describe(new NetworkError('x', 502))).toBe('network 502');
    expect(describe(new MissingRefreshTokenError('api', 'openid'))).toBe('missing api');
    expect(describe(new OAuthError('invalid_grant', 'x', 400))).toBe('invalid_grant');
  });
});

describe('options', () => {
  it('accept auth0-spa-js shapes and reject wrong types at compile time', () => {
    expectTypeOf<{ domain: string; clientId: string; authorizationParams: { scope: Record<string, string> } }>().toExtend<AuthClientOptions>();
    expectTypeOf<{ clientId: string; loadUserInfo: 'yes' }>().not.toExtend<AuthClientOptions>();
    expectTypeOf<{ clientId: string; refreshTokenMode: 'sometimes' }>().not.toExtend<AuthClientOptions>();
  });
});
