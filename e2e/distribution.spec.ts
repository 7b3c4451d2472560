// The shipped entry points as a user runs them: the `rotor-mock-server` bin (dist/cli.mjs)
// and `npm start`'s script (scripts/start.mjs), each as a child process on free ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { clientCall, expect, loginWithRedirect, openHarness, ROOT, test } from './fixtures.js';

interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node <args>` and resolves once its output matches `ready`. */
async function start(args: string[], ready: RegExp): Promise<Child & { match: RegExpMatchArray }> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const match = await new Promise<RegExpMatchArray>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${ready} within 20 s; output:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        ok(m);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code} before ${ready}; output:\n${out}`));
    });
  });
  return {
    proc,
    match,
    output: () => out,
    stop: () =>
      new Promise<void>((done) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', () => done());
        proc.kill('SIGINT');
      }),
  };
}

test('the rotor-mock-server bin (dist/cli.mjs) serves a login and rotation to the SDK in the browser', async ({ page, app }) => {
  const cli = await start([resolve(ROOT, 'dist/cli.mjs'), '--port', '0', '--auto-login', 'user-1', '--reuse-interval', '5'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  try {
    const url = cli.match[1] as string;
    await openHarness(page, app, { domain: url, audience: 'https://api.rotor.test' });
    await loginWithRedirect(page, app);
    const first = await clientCall<string>(page, 'getTokenSilently');
    const second = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true });
    expect(second).not.toEqual(first);
    // The CLI serves the control API by default.
    const families = (await (await fetch(`${url}/__control/families`)).json()) as Array<{ status: string; rotations: number }>;
    expect(families).toEqual([expect.objectContaining({ status: 'active', rotations: 1 })]);
  } finally {
    await cli.stop();
  }
  expect(cli.proc.exitCode === 0 || cli.proc.signalCode === 'SIGINT').toBe(true);
});

test('npm start (scripts/start.mjs) prints a demo URL that works against its mock server', async ({ page }) => {
  const server = await start([resolve(ROOT, 'scripts/start.mjs'), '--as-port', '0', '--demo-port', '0'], /demo app:\s+(http:\/\/localhost:\d+\/\?as=\S+)/);
  try {
    expect(server.output()).toMatch(/mock authorization server: http:\/\/127\.0\.0\.1:\d+\//);
    const demoUrl = server.match[1] as string;
    const asUrl = decodeURIComponent(new URL(demoUrl).searchParams.get('as') ?? '');
    await page.goto(demoUrl);
    await expect(page.getByTestId('auth-status')).toHaveText('signed out');
    await expect(page.locator('#as-url')).toHaveText(asUrl);
    await expect(page.getByTestId('families')).toContainText('no families yet');
    await page.getByTestId('login').click();
    await page.locator('input[name="username"]').fill('demo');
    await page.locator('input[name="password"]').fill('demo');
    await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
    await expect(page.getByTestId('auth-status')).toHaveText('signed in');
    await expect(page.getByTestId('families').locator('[data-status="active"]')).toHaveCount(1);
  } finally {
    await server.stop();
  }
  expect(server.output()).toContain('SIGINT: stopping');
});
