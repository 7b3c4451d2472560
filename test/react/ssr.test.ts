import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AuthProvider, useAuth, useAccessToken } from '../../src/react/index.js';

function Status() {
  const { isLoading, isAuthenticated } = useAuth();
  const { token } = useAccessToken();
  return createElement('p', null, isLoading ? 'loading' : isAuthenticated ? `signed in ${token ?? ''}` : 'signed out');
}

describe('rotor-auth/react on the server', () => {
  it('renders isLoading: true from client options without touching window (there is none here)', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const html = renderToString(createElement(AuthProvider, { options: { domain: 'https://id.example', clientId: 'app' } }, createElement(Status)));
    expect(html).toBe('<p>loading</p>');
  });

  it('useAuth outside a provider is a clear ConfigurationError', () => {
    expect(() => renderToString(createElement(Status))).toThrow(/inside <AuthProvider>/);
  });
});
