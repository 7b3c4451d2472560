// A newcomer's path through the README, run as a user would: outside this repository, in a
// scratch app that installs the packed tarball (see test/readme/readme-blocks.test.ts for the
// table of every README block and how each is covered).
//
//   npm pack → <tmp>/rotor-auth-<version>.tgz
//   <tmp>/app: package.json without "type" (CommonJS, npm init's default), `npm install <tgz>`
//   `npx rotor-mock-server` from the app (the installed bin), on a free port
//   "Quick start: script tag#1" saved verbatim as index.html, served from the app's directory
//   "Quick start: import": a Vite app as the README names it (create-vite's vanilla-ts template,
//       <tmp>/my-app), `npm install <tgz>` there, "Quick start: import#1" saved verbatim as its
//       src/main.ts, then `npx vite` ("Quick start: import#2"): Vite's dev server, which also answers
//       /callback with the page; the browser signs in through it
//   the testing section's vitest file, Playwright spec and playwright.config.ts, run with the
//       commands the README gives, in the CommonJS app (spec named .mts) and with "type": "module"
//
// The snippets name the mock server's default address, http://127.0.0.1:4000. Port 4000 may be
// taken on a shared machine, so the CLI listens on a free port with `--issuer
// http://127.0.0.1:4000/` and the page's requests to :4000 are forwarded to it (page.route →
// route.fetch, redirects not followed: the browser sees the server's own answers).
//
// What the suite provides instead of the network: the template's files (no create-vite download),
// its devDependency vite, and the test tools the README installs with
// `npm install -D vitest msw @playwright/test` are linked from this repo's node_modules (the same
// packages, no second download), and `npx playwright install chromium` is replaced, where
// Playwright's own Chromium is missing, by a browsers directory whose chromium runs the system's
// (PLAYWRIGHT_BROWSERS_PATH; the spec and config still run unchanged).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readmeBlock } from '../../test/readme/blocks.js';
import { DIST_DIR, ROOT, serveStatic, SYSTEM_CHROMIUM, SYSTEM_CHROMIUM_ARGS, usesSystemChromium, type StaticServer } from '../fixtures.js';

const README_AS = 'http://127.0.0.1:4000';

// The Vite app the import quick start names, `npm create vite@latest my-app -- --template vanilla-ts`
// (create-vite 9.3.0), without the download: its index.html as the template has it, its package.json
// less the devDependencies (vite is linked below; typescript is for `npm run build`'s tsc, which the
// README's `npx vite` does not run). The template's other files (counter.ts, style.css, assets) are
// not imported once src/main.ts is replaced, so they are left out.
const VANILLA_TS_INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Vite + TS</title>
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`;
const VANILLA_TS_PACKAGE = {
  name: 'my-app',
  private: true,
  version: '0.0.0',
  type: 'module',
  scripts: { dev: 'vite', build: 'tsc && vite build', preview: 'vite preview' },
};

/** Where this repo's copy of `name` is installed, as `playwright` resolves it (npm may nest playwright-core under it). */
function packageDir(name: string): string {
  return dirname(createRequire(join(ROOT, 'node_modules/playwright/package.json')).resolve(`${name}/package.json`));
}

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs `command` through sh in `cwd`; never throws on a non-zero exit (the caller asserts). */
function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 120_000): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    execFile('sh', ['-c', command], { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      done({ code, output: `${stdout}${stderr}`, ms: Date.now() - started });
    });
  });
}

const timings: string[] = [];
async function step(name: string, command: string, cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  const run = await sh(command, cwd, env);
  timings.push(`${name}: ${(run.ms / 1000).toFixed(1)} s`);
  return run;
}

/** The environment of a command run inside the scratch app: none of this run's Playwright variables. */
function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(PW_|PLAYWRIGHT_|TEST_|FORCE_COLOR|NODE_OPTIONS)/.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', CI: '1', ...extra };
}

let tmp: string;
let app: string;
let mock: ChildProcess;
let mockUrl: string;
let scriptApp: StaticServer;
let viteApp: string;
let vite: ChildProcess | undefined;
let viteOutput = '';
let importUrl: string;
let browsersEnv: Record<string, string> = {};

test.describe.configure({ mode: 'serial' });

/** Whether nothing listens on 127.0.0.1:`port`. */
function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer().once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

// Chromium: the CLI on a free port, the page's requests to :4000 forwarded (page.route). Firefox over
// BiDi does not route the navigation a redirect starts (/authorize → /u/login lands on about:neterror),
// so there the CLI listens on the README's own port 4000, as a user runs it; only when another process
// holds that port (a developer's `npm start`) is the Firefox run of this file skipped, saying so.
let ownPort = false;
test.beforeAll(async ({ browserName }) => {
  test.setTimeout(240_000);
  ownPort = browserName === 'firefox';
  if (ownPort && !(await portFree(4000))) test.skip(true, 'Firefox: 127.0.0.1:4000 is taken (stop the demo); the README flows need the mock server on its own port there');
  if (!existsSync(join(DIST_DIR, 'rotor-auth.min.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  tmp = mkdtempSync(join(tmpdir(), 'rotor-scratch-'));
  app = join(tmp, 'app');
  mkdirSync(app);

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const pack = await step('npm pack', `npm pack --pack-destination ${JSON.stringify(tmp)}`, ROOT);
  expect(pack.code, pack.output).toBe(0);
  const tarball = join(tmp, `${pkg.name}-${pkg.version}.tgz`);
  expect(existsSync(tarball), pack.output).toBe(true);

  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true }, null, 2)}\n`);
  const install = await step('npm install <tarball>', `npm install ${JSON.stringify(tarball)} --no-audit --no-fund --prefer-offline`, app);
  expect(install.code, install.output).toBe(0);
  expect(existsSync(join(app, 'node_modules/rotor-auth/dist/rotor-auth.min.js'))).toBe(true);

  // `npm install -D vitest msw @playwright/test`: this repo's copies, linked (after npm install, which would prune them)
  for (const name of ['vitest', 'msw', '@playwright/test', 'playwright', 'playwright-core']) {
    mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(packageDir(name), join(app, 'node_modules', name), 'dir');
  }
  symlinkSync('../vitest/vitest.mjs', join(app, 'node_modules/.bin/vitest'));
  symlinkSync('../@playwright/test/cli.js', join(app, 'node_modules/.bin/playwright'));
  // `npx playwright install chromium` without a download: Playwright's install layout, running the system Chromium
  if (usesSystemChromium()) {
    const browsers = JSON.parse(readFileSync(join(packageDir('playwright-core'), 'browsers.json'), 'utf8')) as {
      browsers: Array<{ name: string; revision: string }>;
    };
    const rev = (name: string) => browsers.browsers.find((b) => b.name === name)!.revision;
    const dir = join(tmp, 'browsers');
    const wrap = (file: string, extra: string) => {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, `#!/bin/sh\nexec ${SYSTEM_CHROMIUM} ${[...SYSTEM_CHROMIUM_ARGS, extra].join(' ')} "$@"\n`);
      chmodSync(file, 0o755);
    };
    wrap(join(dir, `chromium-${rev('chromium')}`, 'chrome-linux64/chrome'), '');
    wrap(join(dir, `chromium_headless_shell-${rev('chromium-headless-shell')}`, 'chrome-headless-shell-linux64/chrome-headless-shell'), '--headless');
    browsersEnv = { PLAYWRIGHT_BROWSERS_PATH: dir };
  }

  // `npx rotor-mock-server`, the installed bin, on a free port; the issuer the snippets expect
  const started = Date.now();
  // its own process group: npx runs the bin as a child, and both must end with the test
  mock = spawn('npx', ['rotor-mock-server', '--port', ownPort ? '4000' : '0', '--issuer', `${README_AS}/`], { cwd: app, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  mockUrl = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`rotor-mock-server printed no "listening on": ${out}`)), 30_000);
    const read = (chunk: Buffer) => {
      out += String(chunk);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    mock.stdout!.on('data', read);
    mock.stderr!.on('data', read);
    mock.once('exit', (code) => fail(new Error(`rotor-mock-server exited (${code}): ${out}`)));
  });
  timings.push(`npx rotor-mock-server ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // "Quick start: script tag": the block is the page, saved in the app's directory
  writeFileSync(join(app, 'index.html'), readmeBlock('Quick start: script tag#1').code);
  scriptApp = await serveStatic(app);

  // "Quick start: import": a Vite app (create-vite's vanilla-ts template, as the README says), its
  // src/main.ts replaced by the block, the tarball installed, then `npx vite` as the README runs it
  const viteStart = Date.now();
  viteApp = join(tmp, 'my-app');
  mkdirSync(join(viteApp, 'src'), { recursive: true });
  writeFileSync(join(viteApp, 'package.json'), `${JSON.stringify(VANILLA_TS_PACKAGE, null, 2)}\n`);
  writeFileSync(join(viteApp, 'index.html'), VANILLA_TS_INDEX_HTML);
  writeFileSync(join(viteApp, 'src/main.ts'), readmeBlock('Quick start: import#1').code);
  const viteInstall = await step('npm install <tarball> (Vite app)', `npm install ${JSON.stringify(tarball)} --no-audit --no-fund --prefer-offline`, viteApp);
  expect(viteInstall.code, viteInstall.output).toBe(0);
  // the template's devDependency `vite`: this repo's copy, linked (after npm install, which would prune it)
  symlinkSync(packageDir('vite'), join(viteApp, 'node_modules/vite'), 'dir');
  symlinkSync('../vite/bin/vite.js', join(viteApp, 'node_modules/.bin/vite'));
  const runCommand = readmeBlock('Quick start: import#2').code;
  expect(runCommand, 'the README starts the app with `npx vite`').toMatch(/then, in another terminal, npx vite\n$/);
  // its own process group: npx runs vite as a child, and both must end with the test
  const devServer = spawn('npx', ['vite'], { cwd: viteApp, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  vite = devServer;
  importUrl = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`npx vite printed no "Local:" URL: ${viteOutput}`)), 60_000);
    const read = (chunk: Buffer) => {
      viteOutput += String(chunk);
      const m = /Local:\s+(http:\/\/[^\s/]+)\//.exec(viteOutput);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    devServer.stdout!.on('data', read);
    devServer.stderr!.on('data', read);
    devServer.once('exit', (code) => fail(new Error(`npx vite exited (${code}): ${viteOutput}`)));
  });
  timings.push(`npx vite ready: ${((Date.now() - viteStart) / 1000).toFixed(1)} s`);
});

test.afterAll(async () => {
  await scriptApp?.close();
  for (const child of [vite, mock]) {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      process.kill(-child.pid, 'SIGTERM'); // the group: npx and the server it started
      await exited;
    }
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  console.log(`scratch app timings:\n  ${timings.join('\n  ')}`);
});

/** The page's requests to the README's http://127.0.0.1:4000, answered by the CLI on its free port. */
async function forwardToMock(page: Page): Promise<void> {
  if (ownPort) return; // the CLI is at the README's address itself
  await page.route(`${README_AS}/**`, async (route) => {
    const url = route.request().url().replace(README_AS, mockUrl);
    const response = await route.fetch({ url, maxRedirects: 0 });
    await route.fulfill({ response });
  });
}

/** Uncaught errors and console errors of the page, collected (and printed, so a failure shows them). */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => {
    errors.push(String(err));
    console.error(`page error: ${String(err)}`);
  });
  return errors;
}

/** Every URL the page's main frame arrived at (the callback URL with its code is one of them). */
function visited(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

async function signInAtMock(page: Page): Promise<void> {
  await page.waitForURL(`${README_AS}/**`);
  await page.fill('#username', 'demo');
  await page.fill('#password', 'demo');
  await page.click('button[type=submit]');
}

async function families(): Promise<Array<{ status: string }>> {
  return (await (await fetch(`${mockUrl}/__control/families`)).json()) as Array<{ status: string }>;
}

test('"Quick start: script tag" as pasted: signed out → log in → the user and the API → log out → signed out; a used callback URL says why', async ({ page }) => {
  await forwardToMock(page);
  const errors = pageErrors(page);
  const urls = visited(page);
  const status = page.locator('#status');

  await page.goto(`${scriptApp.url}/`);
  await expect(status).toHaveText('You are signed out.');
  await expect(page.locator('#logout')).toBeHidden();
  await page.click('#login');
  await signInAtMock(page);

  await expect(status).toHaveText('Signed in as Demo User.');
  expect(page.url(), 'the callback URL is cleaned').toBe(`${scriptApp.url}/`);
  await expect(page.locator('#api')).toContainText('Hello user-1, this came from the protected API.');
  const callback = urls.find((u) => u.startsWith(`${scriptApp.url}/?code=`));
  expect(callback, urls.join('\n')).toBeDefined();

  await page.click('#logout');
  await page.waitForURL(`${scriptApp.url}/`);
  await expect(status).toHaveText('You are signed out.');
  await expect(page.locator('#login')).toBeVisible();
  expect(await families()).toEqual([expect.objectContaining({ status: 'revoked' })]);

  // the used callback URL again (reload, back button, bookmark): a message, no uncaught error
  await page.goto(callback!);
  await expect(status).toHaveText(/^Sign-in did not complete: .+\. You are signed out\.$/);
  await expect(page.locator('#login')).toBeVisible();
  expect(page.url()).toBe(`${scriptApp.url}/`);
  expect(errors).toEqual([]);
});

test('"Quick start: import" as pasted in a Vite app\'s src/main.ts, run with `npx vite`: signed out → log in → /callback cleaned → the user → log out → signed out; a used /callback says why', async ({ page }) => {
  await fetch(`${mockUrl}/__control/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await forwardToMock(page);
  const errors = pageErrors(page);
  const urls = visited(page);
  const text = page.locator('#app p');
  const button = page.locator('#app button');

  await page.goto(`${importUrl}/`);
  await expect(text).toHaveText('You are signed out.');
  await expect(button).toHaveText('Log in');
  await button.click();
  await signInAtMock(page);

  await expect(text).toHaveText(/^Signed in as Demo User \(access token: \d+ characters\)\.$/);
  expect(page.url(), 'back at returnTo, the code and state gone').toBe(`${importUrl}/`);
  const callback = urls.find((u) => u.startsWith(`${importUrl}/callback?code=`));
  expect(callback, urls.join('\n')).toBeDefined();

  await expect(button).toHaveText('Log out');
  await button.click();
  await page.waitForURL(`${importUrl}/`);
  await expect(text).toHaveText('You are signed out.');
  await expect(button).toHaveText('Log in');
  expect(await families()).toEqual([expect.objectContaining({ status: 'revoked' })]);

  await page.goto(callback!);
  await expect(text).toHaveText(/^Sign-in did not complete: .+\. You are signed out\.$/);
  await expect(button).toHaveText('Log in');
  expect(page.url()).toBe(`${importUrl}/`);
  expect(errors).toEqual([]);
});

test('the testing section as written: its vitest file, Playwright spec and playwright.config.ts pass with its commands, CommonJS (.mts) and "type": "module"', async () => {
  test.setTimeout(180_000);
  const commands = readmeBlock('The mock authorization server in your own tests#1')
    .code.split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter(Boolean);
  // the installs are provided above (linked test tools, the browsers directory); the rest runs as written
  expect(commands.slice(0, 2)).toEqual(['npm install -D vitest msw @playwright/test', 'npx playwright install chromium']);
  const [vitestCommand, playwrightCommand] = commands.slice(2);
  expect(vitestCommand).toBe('npx vitest run --dir test');
  expect(playwrightCommand).toBe('npx playwright test');

  mkdirSync(join(app, 'test'));
  writeFileSync(join(app, 'test/mock-server.test.ts'), readmeBlock('The mock authorization server in your own tests#2').code);
  mkdirSync(join(app, 'e2e'));
  const spec = readmeBlock('The mock authorization server in your own tests#3').code;
  writeFileSync(join(app, 'playwright.config.ts'), readmeBlock('The mock authorization server in your own tests#4').code);
  const env = appEnv(browsersEnv);

  // CommonJS package (no "type"): vitest as is
  const vitest = await step('npx vitest run --dir test (CommonJS)', vitestCommand!, app, env);
  expect(vitest.code, vitest.output).toBe(0);
  expect(vitest.output).toMatch(/Tests\s+4 passed/);

  // CommonJS with the spec named .ts: the failure the README warns about
  writeFileSync(join(app, 'e2e/sign-in.spec.ts'), spec);
  const cjs = await step('npx playwright test (CommonJS, .ts: fails as the README says)', playwrightCommand!, app, env);
  expect(cjs.code).not.toBe(0);
  expect(cjs.output).toContain('require is not defined in ES module scope');
  expect(cjs.output).toContain('No tests found');

  // CommonJS with the spec named .mts, as the README says
  renameSync(join(app, 'e2e/sign-in.spec.ts'), join(app, 'e2e/sign-in.spec.mts'));
  const mts = await step('npx playwright test (CommonJS, e2e/sign-in.spec.mts)', playwrightCommand!, app, env);
  expect(mts.code, mts.output).toBe(0);
  expect(mts.output).toMatch(/2 passed/);

  // "type": "module", the spec as e2e/sign-in.spec.ts
  renameSync(join(app, 'e2e/sign-in.spec.mts'), join(app, 'e2e/sign-in.spec.ts'));
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ ...manifest, type: 'module' }, null, 2)}\n`);
  const esm = await step('npx playwright test ("type": "module", e2e/sign-in.spec.ts)', playwrightCommand!, app, env);
  expect(esm.code, esm.output).toBe(0);
  expect(esm.output).toMatch(/2 passed/);
  const vitestEsm = await step('npx vitest run --dir test ("type": "module")', vitestCommand!, app, env);
  expect(vitestEsm.code, vitestEsm.output).toBe(0);
});

test('the scratch apps used nothing of this repository but the tarball and the linked tools; Vite served rotor-auth from the Vite app\'s node_modules', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  for (const dir of [app, viteApp]) {
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules/rotor-auth/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(version);
    expect(resolve(dir).startsWith(resolve(ROOT))).toBe(false);
    const deps = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    expect(deps).toEqual({ 'rotor-auth': expect.stringMatching(/^file:.*rotor-auth-[\d.]+\.tgz$/) });
  }
  // Vite pre-bundled the bare import 'rotor-auth' from the package's `import` condition, in the tarball's copy
  const metadata = JSON.parse(readFileSync(join(viteApp, 'node_modules/.vite/deps/_metadata.json'), 'utf8')) as {
    optimized: Record<string, { src: string }>;
  };
  expect(resolve(viteApp, 'node_modules/.vite/deps', metadata.optimized['rotor-auth']!.src)).toBe(join(viteApp, 'node_modules/rotor-auth/dist/rotor-auth.mjs'));
});
