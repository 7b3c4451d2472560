#!/usr/bin/env node
// npm run test:webkit: the WebKit suite (e2e/webkit/, selenium-webdriver → WebKitWebDriver →
// MiniBrowser) under a virtual X server. A machine without WebKitGTK or Xvfb gets a SKIP line
// naming the Debian packages to install (never a silent pass); with CI=true that is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  ['/usr/bin/WebKitWebDriver', 'webkit2gtk-driver'],
  ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', 'webkit2gtk-driver'],
  ['/usr/bin/xvfb-run', 'xvfb'],
  ['/usr/bin/xauth', 'xauth'],
];
const missing = needs.filter(([file]) => !existsSync(file));
if (missing.length) {
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
  const line = `WebKit e2e: missing ${missing.map(([f]) => f).join(', ')} (Debian: apt-get install --no-install-recommends ${pkgs})`;
  if (process.env.CI) {
    console.error(`!! ${line}: CI must run every engine`);
    process.exit(1);
  }
  console.log(`SKIP ${line}`);
  process.exit(0);
}
const args = ['-a', 'npx', 'playwright', 'test', '-c', 'e2e/webkit', ...process.argv.slice(2)];
const run = spawnSync('xvfb-run', args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
