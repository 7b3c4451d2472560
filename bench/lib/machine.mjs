// Facts about the machine the benchmark ran on, for the report header.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * The commit the measured build came from (HEAD, as `npm run bench` builds
 * the working tree first), and every path that differs from it. The bench's
 * own outputs (bench/results.*) don't count: a previous run rewrote them.
 */
export function sourceCommit() {
  try {
    const cwd = new URL('../..', import.meta.url);
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd, encoding: 'utf8' })
      .split('\n').map((l) => l.slice(3).trim()).filter((f) => f && !/^bench\/results\.(md|svg)$/.test(f));
    return { commit, dirty, clean: dirty.length === 0 };
  } catch {
    return { commit: 'unknown', dirty: [], clean: false };
  }
}

function packageVersion(name) {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(url, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function machineFacts() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    ...sourceCommit(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    loadavgAtStart: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    versions: {
      '@auth0/auth0-spa-js': packageVersion('@auth0/auth0-spa-js'),
      'oidc-client-ts': packageVersion('oidc-client-ts'),
      'oidc-provider': packageVersion('oidc-provider'),
      '@playwright/test': packageVersion('@playwright/test'),
      rollup: packageVersion('rollup'),
    },
  };
}
