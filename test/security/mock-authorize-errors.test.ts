import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/mock-server/args.js';
import { createMockServer } from '../../src/mock-server/index.js';
import { authorize, CLIENT, REDIRECT } from '../mock-server/helpers.js';

// issue 26: the mock server's authorization errors name their fix (HTML for browser navigations, JSON for
// API clients) and are logged in its terminal, one line each.
const NAV = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document', 'Sec-Fetch-Site': 'cross-site' };
const XSS = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;

function logged() {
  const lines: string[] = [];
  return { lines, s: createMockServer({ autoLogin: 'user-1', onLog: (l) => lines.push(l) }) };
}

describe('mock server: authorization errors on a browser navigation are an HTML page that names the fix', () => {
  it('an unregistered redirect_uri: what was sent, the allowed patterns and --redirect-uri; logged once', async () => {
    const { s, lines } = logged();
    const { res } = await authorize(s, { redirect_uri: 'https://app.example.com/callback' }, NAV);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('https://app.example.com/callback');
    expect(page).toContain('https://app.rotor.test');
    expect(page).toMatch(/loopback/i);
    expect(page).toContain('--redirect-uri');
    expect(page).toContain('redirect_uri is not allowed for this client');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toContain('redirect_uri');
    expect(lines[0]).toContain('https://app.example.com/callback');
    expect(lines[0]).toContain('--redirect-uri');
  });

  it('Sec-Fetch-Mode: navigate alone, or Accept: text/html alone, is a browser navigation', async () => {
    const { s } = logged();
    for (const h of [{ 'Sec-Fetch-Mode': 'navigate' }, { Accept: 'text/html' }] as Record<string, string>[]) {
      const { res } = await authorize(s, { redirect_uri: 'https://app.example.com/cb' }, h);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });

  it('an unknown client: the known client ids and --client-id', async () => {
    const { s, lines } = logged();
    const { res } = await authorize(s, { client_id: 'my-app' }, NAV);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('my-app');
    expect(page).toContain(CLIENT);
    expect(page).toContain('--client-id');
    expect(lines).toHaveLength(1);
  });

  it('an unknown audience ("Service not found"): the configured APIs, the fix, and a link back to the app with the error', async () => {
    const { s, lines } = logged();
    const { res } = await authorize(s, { audience: 'https://api.example.com' }, NAV);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Service not found');
    expect(page).toContain('https://api.example.com');
    expect(page).toContain('https://api.rotor.test');
    expect(page).toContain('--config');
    // the app can still hear the error: the page links to the usual error redirect
    const href = /<a id="continue" href="([^"]+)"/.exec(page)![1]!.replace(/&#38;/g, '&');
    const back = new URL(href);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('st-1');
    expect(lines).toHaveLength(1);
  });

  it('silent and web_message requests with an unknown audience still get the OAuth error response (the SDK needs it)', async () => {
    const { s } = logged();
    const iframe = { ...NAV, 'Sec-Fetch-Dest': 'iframe' };
    const none = await authorize(s, { audience: 'https://api.example.com', prompt: 'none' }, iframe);
    expect(none.res.status).toBe(302);
    expect(none.params.get('error')).toBe('access_denied');
    const wm = await authorize(s, { audience: 'https://api.example.com', response_mode: 'web_message' }, NAV);
    expect(await wm.res.text()).toContain('"error":"access_denied"');
  });

  it('everything shown is escaped (an XSS payload in client_id, redirect_uri and audience)', async () => {
    const { s } = logged();
    for (const extra of [{ client_id: XSS }, { redirect_uri: `https://x.example/${XSS}` }, { redirect_uri: XSS }, { audience: XSS }]) {
      const { res } = await authorize(s, extra, NAV);
      const page = await res.text();
      expect(page).not.toContain('<script>alert');
      expect(page).not.toContain('<img src=x');
      expect(page).toMatch(/&#60;script&#62;|&lt;script&gt;/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    }
  });

  it('API clients still get JSON as before, and nothing is logged twice', async () => {
    const { s, lines } = logged();
    const { res } = await authorize(s, { redirect_uri: 'https://app.example.com/callback' });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'redirect_uri is not allowed for this client' });
    expect(lines).toHaveLength(1);
  });

  it('--quiet parses (the CLI then prints no error lines)', () => {
    expect(parseArgs(['--quiet']).quiet).toBe(true);
    expect(parseArgs([]).quiet).toBe(false);
  });
});
