/**
 * Own attack on the new control endpoint (issue 25): a page on another site must not be able to make a
 * resource answer challenges (a DoS of the app, or a step-up prompt it did not ask for), nor read what is set.
 * Same protections as every control write: Origin allow-list, no cross-site request without Origin,
 * JSON bodies only (so a cross-site "simple" POST never gets through), loopback peers only.
 */
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../mock-server/helpers.js';
import { RESOURCES } from './helpers.js';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function start() {
  const srv = await serve({ resources: RESOURCES });
  close = srv.close;
  return srv;
}

const BODY = JSON.stringify({ path: '/api/orders', challenge: 'insufficient_user_authentication', times: 1000 });

describe('POST /__control/resource-challenge from another site', () => {
  it('a foreign Origin, a null Origin, a cross-site navigation and a no-cors form post are all refused; nothing is set', async () => {
    const srv = await start();
    const attempts: Array<[Record<string, string>, string, number]> = [
      [{ Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/json' }, BODY, 403],
      [{ Origin: 'null', 'Content-Type': 'application/json' }, BODY, 403],
      [{ 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Content-Type': 'application/json' }, BODY, 403],
      // a cross-site "simple" request (no preflight): text/plain or a form, with no Origin the page could control
      [{ 'Content-Type': 'text/plain' }, BODY, 415],
      [{ 'Content-Type': 'application/x-www-form-urlencoded' }, 'path=/api/orders&challenge=invalid_token', 415],
    ];
    for (const [headers, body, status] of attempts) {
      const res = await srv.fetch('/__control/resource-challenge', { method: 'POST', headers, body });
      expect(res.status).toBe(status);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    // a preflight from the foreign origin gets no CORS grant
    const pre = await srv.fetch('/__control/resource-challenge', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    // the pending challenges cannot be read cross-site either
    expect((await srv.fetch('/__control/resource-challenge', { headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    expect(srv.s.control.resourceChallenges()).toEqual([]);
  });

  it('a loopback app origin (the demo, tests) still sets one', async () => {
    const srv = await start();
    const res = await srv.fetch('/__control/resource-challenge', { method: 'POST', headers: { Origin: 'http://localhost:3000', 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/json' }, body: BODY });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(srv.s.control.resourceChallenges()).toHaveLength(1);
  });
});

const remote = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(!remote)('POST /__control/resource-challenge from a non-loopback peer', () => {
  it('bound to 0.0.0.0, a peer on another interface gets 403 and nothing is set', async () => {
    const srv = await serve({ resources: RESOURCES }, '0.0.0.0');
    close = srv.close;
    const port = Number(new URL(srv.url).port);
    const status = await new Promise<number>((resolve, reject) => {
      const r = request({ host: remote, port, method: 'POST', path: '/__control/resource-challenge', headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', reject);
      r.end(BODY);
    });
    expect(status).toBe(403);
    expect(srv.s.control.resourceChallenges()).toEqual([]);
  });
});
