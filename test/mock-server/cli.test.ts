import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError } from '../../src/mock-server/args.js';
import { startCli } from '../../src/mock-server/run-cli.js';
import { selfSignedCertificate } from '../../src/mock-server/tls.js';
import { pkce } from './helpers.js';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(argv: string[]): Promise<{ url: string; lines: string[] }> {
  const lines: string[] = [];
  const s = await startCli(argv, (l) => lines.push(l));
  running.push(s);
  return { url: s.url, lines };
}

describe('CLI arguments', () => {
  it('parses every flag of the contract', () => {
    const a = parseArgs([
      '--port', '0', '--host', '127.0.0.1', '--client-id', 'spa', '--redirect-uri', 'https://a.test/cb',
      '--redirect-uri=https://b.test/cb', '--auto-login', 'user-1', '--access-token-ttl', '60', '--reuse-interval', '5',
      '--idle-ttl', '100', '--absolute-ttl', '1000', '--error-profile', 'rfc', '--itp', '--https',
    ]);
    expect(a).toMatchObject({ port: 0, host: '127.0.0.1', https: true });
    expect(a.options).toEqual({
      clientId: 'spa',
      redirectUris: ['https://a.test/cb', 'https://b.test/cb'],
      autoLogin: 'user-1',
      accessTokenTtl: 60,
      reuseInterval: 5,
      idleTtl: 100,
      absoluteTtl: 1000,
      errorProfile: 'rfc',
      itp: true,
    });
  });

  it('rejects unknown flags, missing values and bad numbers with a UsageError naming the flag', () => {
    expect(() => parseArgs(['--nope'])).toThrow(new UsageError('unknown option --nope'));
    expect(() => parseArgs(['--port'])).toThrow(new UsageError('--port needs a value'));
    expect(() => parseArgs(['--reuse-interval', 'soon'])).toThrow(new UsageError('--reuse-interval needs a non-negative number, got "soon"'));
    expect(() => parseArgs(['--port', '70000'])).toThrow(new UsageError('--port must be an integer 0..65535'));
  });

  it('--issuer and repeatable --control-origin', () => {
    const a = parseArgs(['--issuer', 'https://auth.test/', '--control-origin', 'https://a.test', '--control-origin=https://b.test']);
    expect(a.options).toEqual({ issuer: 'https://auth.test/', controlOrigins: ['https://a.test', 'https://b.test'] });
    expect(() => parseArgs(['--itp=yes'])).toThrow(new UsageError('--itp takes no value'));
    expect(() => parseArgs(['stray'])).toThrow(new UsageError('unexpected argument "stray"'));
  });

  it('a config file naming a CLI flag or holding a wrong type gets one clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-cfg-'));
    const portFile = join(dir, 'port.json');
    writeFileSync(portFile, JSON.stringify({ port: 4000 }));
    await expect(startCli(['--port', '0', '--config', portFile], () => {})).rejects.toThrow(
      new UsageError(`invalid option port: is a command-line flag (--port), not an option: pass it to rotor-mock-server, or to listen() (in --config ${portFile})`),
    );
    const typeFile = join(dir, 'users.json');
    writeFileSync(typeFile, JSON.stringify({ users: { sub: 'x' } }));
    await expect(startCli(['--port', '0', '--config', typeFile], () => {})).rejects.toThrow(
      new UsageError(`invalid option users: expected an array, got an object (in --config ${typeFile})`),
    );
  });

  it('refuses an option value the server does not know', async () => {
    await expect(startCli(['--port', '0', '--error-profile', 'strict'], () => {})).rejects.toThrow(new UsageError('invalid option errorProfile: expected one of auth0, rfc, got the string "strict"'));
  });
});

describe('the rotor-mock-server command (cli.ts runs main on import)', () => {
  async function runCli(argv: string[]) {
    const saved = process.argv;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      process.argv = ['node', 'rotor-mock-server', ...argv];
      vi.resetModules();
      await import('../../src/mock-server/cli.js');
      await vi.waitFor(() => expect(log.mock.calls.length + error.mock.calls.length).toBeGreaterThan(0));
      return { log: log.mock.calls.map((c) => String(c[0])), error: error.mock.calls.map((c) => String(c[0])), exit: exit.mock.calls.map((c) => c[0]) };
    } finally {
      process.argv = saved;
      log.mockRestore();
      error.mockRestore();
      exit.mockRestore();
    }
  }

  it('--help prints the usage with every flag', async () => {
    const r = await runCli(['--help']);
    for (const flag of ['--port', '--host', '--client-id', '--redirect-uri', '--auto-login', '--access-token-ttl', '--reuse-interval', '--idle-ttl', '--absolute-ttl', '--error-profile', '--itp', '--https', '--config']) {
      expect(r.log[0]).toContain(flag);
    }
    expect(r.exit).toEqual([]);
  });

  it('an unknown flag exits with status 2 and says which flag', async () => {
    const r = await runCli(['--frobnicate']);
    expect(r.error[0]).toMatch(/^rotor-mock-server: unknown option --frobnicate\n\nUsage:/);
    expect(r.exit).toEqual([2]);
  });
});

describe('CLI on a real port', () => {
  it('prints "listening on http://HOST:PORT" and serves discovery with that issuer', async () => {
    const { url, lines } = await start(['--port', '0']);
    expect(lines).toEqual([`listening on ${url}`]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const doc = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(`${url}/`);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('runs a code + PKCE login and a refresh over HTTP, with the control API', async () => {
    const { url } = await start(['--port', '0', '--auto-login', 'user-1', '--error-profile', 'rfc']);
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({
      client_id: 'demo', redirect_uri: 'http://localhost:5000/cb', response_type: 'code', scope: 'openid offline_access',
      state: 's', code_challenge: challenge, code_challenge_method: 'S256',
    });
    const auth = await fetch(`${url}/authorize?${q}`, { redirect: 'manual' });
    expect(auth.status).toBe(302);
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const form = (b: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(b) });
    const t = (await (await fetch(`${url}/oauth/token`, form({ grant_type: 'authorization_code', client_id: 'demo', code, code_verifier: verifier, redirect_uri: 'http://localhost:5000/cb' }))).json()) as Record<string, string>;
    const r1 = await fetch(`${url}/oauth/token`, form({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: t.refresh_token! }));
    expect(r1.status).toBe(200);
    const reuse = await fetch(`${url}/oauth/token`, form({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: t.refresh_token! }));
    expect(reuse.status).toBe(400); // rfc profile
    const families = (await (await fetch(`${url}/__control/families`)).json()) as Array<{ status: string; reason: string }>;
    expect(families).toMatchObject([{ status: 'revoked', reason: 'reuse_detected' }]);
  });

  it('drops the connection of a rotation whose response is dropped, after applying it', async () => {
    const { url } = await start(['--port', '0', '--auto-login', 'user-1', '--reuse-interval', '30']);
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({ client_id: 'demo', redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid offline_access', code_challenge: challenge, code_challenge_method: 'S256' });
    const code = new URL((await fetch(`${url}/authorize?${q}`, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const form = (b: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(b) });
    const t = (await (await fetch(`${url}/oauth/token`, form({ grant_type: 'authorization_code', client_id: 'demo', code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:9/cb' }))).json()) as Record<string, string>;
    await fetch(`${url}/__control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dropNextRotation: 1 }) });
    await expect(fetch(`${url}/oauth/token`, form({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: t.refresh_token! }))).rejects.toThrow();
    const retry = await fetch(`${url}/oauth/token`, form({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: t.refresh_token! }));
    expect(retry.status).toBe(200);
    const [fam] = (await (await fetch(`${url}/__control/families`)).json()) as Array<{ rotations: number; tokens: Array<{ value: string }> }>;
    expect(fam!.rotations).toBe(1);
    expect(((await retry.json()) as Record<string, string>).refresh_token).toBe(fam!.tokens[1]!.value);
  });

  it('reads clients, users and APIs from --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-mock-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({
      clients: [{ clientId: 'cfg-app', redirectUris: ['https://cfg.test/cb'] }],
      users: [{ sub: 'alice', username: 'alice', password: 'pw' }],
      apis: [{ identifier: 'https://cfg-api.test', allowOfflineAccess: false }],
    }));
    const { url } = await start(['--port', '0', '--config', file, '--auto-login', 'alice']);
    const { challenge } = pkce();
    const ok = new URLSearchParams({ client_id: 'cfg-app', redirect_uri: 'https://cfg.test/cb', response_type: 'code', audience: 'https://cfg-api.test', code_challenge: challenge, code_challenge_method: 'S256' });
    const res = await fetch(`${url}/authorize?${ok}`, { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const demo = new URLSearchParams({ ...Object.fromEntries(ok), client_id: 'demo' });
    const gone = await fetch(`${url}/authorize?${demo}`, { redirect: 'manual' });
    expect(gone.status).toBe(400);
    expect(await gone.json()).toEqual({ error: 'invalid_client', error_description: 'Unknown client: demo' });
  });

  it('the node bridge answers an oversized body with 400 JSON and keeps serving', async () => {
    const { url } = await start(['--port', '0']);
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(200);
    const trace = await new Promise<number>((resolve, reject) => {
      httpRequest(`${url}/oauth/token`, { method: 'TRACE' }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(trace).toBe(405); // a method no route takes
  });

  it('--https serves TLS with a self-signed certificate for the host', async () => {
    const cert = selfSignedCertificate('127.0.0.1');
    const x = new X509Certificate(cert.cert);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.subjectAltName).toContain('DNS:localhost');
    const { url, lines } = await start(['--port', '0', '--https']);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toEqual([`listening on ${url}`]);
    const issuer = await new Promise<string>((resolve, reject) => {
      request(`${url}/.well-known/openid-configuration`, { rejectUnauthorized: false }, (r) => {
        let d = '';
        r.on('data', (c: Buffer) => (d += c.toString()));
        r.on('end', () => resolve((JSON.parse(d) as { issuer: string }).issuer));
      })
        .on('error', reject)
        .end();
    });
    expect(issuer).toBe(`${url}/`);
  });
});
