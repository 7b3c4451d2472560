import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/mock-server/args.js';
import { createMockServer, type MockServerOptions } from '../../src/mock-server/index.js';

// issue 23, "also noticed": with --host 0.0.0.0 only the Host check guarded the control API.
const remote = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** A raw HTTP request to `address:port` with a loopback Host header (so the Host check passes). */
function call(address: string, port: number, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: address, port, method, path, headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end(method === 'POST' ? '{}' : undefined);
  });
}

async function start(opts: MockServerOptions = {}) {
  const s = createMockServer(opts);
  const l = await s.listen(0, '0.0.0.0');
  close = l.close;
  return { s, port: Number(new URL(l.url).port) };
}

describe.skipIf(!remote)('mock server: the control API refuses non-loopback peers', () => {
  it('bound to 0.0.0.0, a peer on another interface gets 403 for reads and writes; the state is untouched', async () => {
    const { s, port } = await start();
    s.control.advanceClock(5);
    for (const [method, path] of [['GET', '/__control/families'], ['POST', '/__control/reset'], ['GET', '/__control/events/stream']] as const) {
      const res = await call(remote!, port, method, path);
      expect(res.status).toBe(403);
      expect(res.body).toContain('--allow-remote-control');
    }
    expect(s.control.events({ type: 'reset' })).toHaveLength(0);
    // the OAuth endpoints still answer that peer
    expect((await call(remote!, port, 'GET', '/.well-known/openid-configuration')).status).toBe(200);
  });

  it('a loopback peer is served', async () => {
    const { port } = await start();
    expect((await call('127.0.0.1', port, 'GET', '/__control/families')).status).toBe(200);
  });

  it('allowRemoteControl (--allow-remote-control) lets other peers in; the Host check stays', async () => {
    const { port } = await start({ allowRemoteControl: true });
    expect((await call(remote!, port, 'GET', '/__control/families')).status).toBe(200);
    const badHost = await new Promise<number>((resolve, reject) => {
      const r = request({ host: remote!, port, path: '/__control/families', headers: { Host: 'evil.example' } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      r.on('error', reject);
      r.end();
    });
    expect(badHost).toBe(421);
    expect(parseArgs(['--allow-remote-control']).options).toEqual({ allowRemoteControl: true });
  });
});
