#!/usr/bin/env node
// Re-adds rollup's other-platform optional packages (@rollup/rollup-<os>-<cpu>[-<libc>]) to
// package-lock.json as os/cpu/libc-only entries. This machine's registry answers 404 for them,
// so `npm install` leaves them out, and then `npm ci` refuses the lock ("Missing: ... from lock
// file"). With the entries, npm ci skips them as foreign platforms. Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const LIBC = { gnu: 'glibc', gnueabihf: 'glibc', musl: 'musl', musleabihf: 'musl' };

function platformOf(name) {
  const [os, cpu, abi] = name.slice('@rollup/rollup-'.length).split('-');
  const entry = { cpu: [cpu === 'arm' || cpu === 'armeabi' ? 'arm' : cpu] };
  const libc = os === 'linux' ? LIBC[abi] : undefined;
  return { os: [os], ...entry, ...(libc ? { libc: [libc] } : {}) };
}

const added = [];
for (const pkg of Object.values(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (!dep.startsWith('@rollup/rollup-') || lock.packages[`node_modules/${dep}`]) continue;
    const p = platformOf(dep);
    lock.packages[`node_modules/${dep}`] = {
      version, cpu: p.cpu, dev: true, ...(p.libc ? { libc: p.libc } : {}), license: 'MIT', optional: true, os: p.os,
    };
    added.push(dep);
  }
}
const { '': root, ...rest } = lock.packages;
lock.packages = { '': root, ...Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lock: ${added.length ? `added ${added.join(', ')}` : 'nothing to add'}`);
