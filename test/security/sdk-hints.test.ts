/** Issue 26: option-name slips name their fix. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { resolveOptions } from '../../src/client/options.js';

const fails = (extra: Record<string, unknown>) => {
  try {
    resolveOptions({ domain: 'a.test', clientId: 'c', ...extra } as never);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigurationError');
};

describe('unknown option names get a hint', () => {
  it.each([
    ['client_id', 'clientId'],
    ['cache_location', 'cacheLocation'],
    ['use_refresh_tokens', 'useRefreshTokens'],
    ['cacheLocaton', 'cacheLocation'],
    ['useRefreshToken', 'useRefreshTokens'],
    ['UseDpop', 'useDpop'],
    ['leway', 'leeway'],
  ])('%s → %s', (slip, fix) => {
    expect(fails({ [slip]: 1 })).toBe(`Unknown option "${slip}": did you mean "${fix}"?`);
  });

  it('v1 top-level parameters still point to authorizationParams; unrelated names get no guess', () => {
    expect(fails({ redirect_uri: 'x' })).toBe('Unknown option "redirect_uri": use authorizationParams.redirect_uri');
    expect(fails({ somethingElse: 1 })).toBe('Unknown option "somethingElse"');
  });
});
