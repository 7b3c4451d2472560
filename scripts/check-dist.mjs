#!/usr/bin/env node
// Checks the build against CONTRACT.md: every output exists, the script-tag global exposes
// exactly the ESM entry's named exports, the CJS build exports the same names, the error
// classes keep their names after minification, no mangled property name is a public, stored or sent
// name (scripts/private-names.mjs), and the CLI starts with a shebang.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { declaredNames, NAME_SOURCES, PRIVATE_NAMES } from './private-names.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
const problems = [];
const need = [
  'rotor-auth.mjs', 'rotor-auth.cjs', 'rotor-auth.min.js', 'index.d.ts', 'index.d.cts',
  'mock-server.mjs', 'mock-server.d.ts', 'cli.mjs',
  'testing.mjs', 'testing.d.ts', 'testing-playwright.mjs', 'testing-playwright.d.ts', 'react.mjs', 'react.d.ts',
];
for (const f of need) if (!existsSync(resolve(dist, f))) problems.push(`missing dist/${f}`);
if (problems.length) finish();

// The script-tag bundle shortens PRIVATE_NAMES: none may be a public, stored or sent member name.
for (const [file, types] of Object.entries(NAME_SOURCES)) {
  const path = file.startsWith('dist/') ? resolve(dist, file.slice(5)) : resolve(dist, '..', file);
  const declared = declaredNames(ts, path, readFileSync(path, 'utf8'), types);
  for (const name of PRIVATE_NAMES.filter((n) => declared.has(n))) {
    problems.push(`"${name}" is mangled in dist/rotor-auth.min.js but is a member name in ${file}: remove it from scripts/private-names.mjs`);
  }
}

const esm = Object.keys(await import(pathToFileURL(resolve(dist, 'rotor-auth.mjs')).href)).sort();
const cjs = Object.keys(createRequire(import.meta.url)(resolve(dist, 'rotor-auth.cjs'))).sort();
const sandbox = { TextEncoder, TextDecoder, URL, URLSearchParams, crypto: globalThis.crypto };
sandbox.self = sandbox;
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(readFileSync(resolve(dist, 'rotor-auth.min.js'), 'utf8'), sandbox);
const global = sandbox.rotorAuth;
const iife = global ? Object.keys(global).sort() : [];

const diff = (a, b) => a.filter((x) => !b.includes(x));
if (!global) problems.push('dist/rotor-auth.min.js does not define the global rotorAuth');
for (const name of diff(esm, iife)) problems.push(`rotorAuth.${name} missing from the script-tag bundle`);
for (const name of diff(iife, esm)) problems.push(`rotorAuth.${name} is not an export of the ESM entry`);
for (const name of diff(esm, cjs)) problems.push(`${name} missing from dist/rotor-auth.cjs`);
for (const name of ['createAuthClient', 'AuthClient', 'GenericError']) if (!esm.includes(name)) problems.push(`${name} is not exported`);
for (const name of iife.filter((n) => /Error$/.test(n))) {
  const Err = global[name];
  if (typeof Err !== 'function' || Err.name !== name) problems.push(`rotorAuth.${name}.name is ${Err?.name} after minification`);
}

const cli = readFileSync(resolve(dist, 'cli.mjs'), 'utf8');
if (!cli.startsWith('#!/usr/bin/env node\n')) problems.push('dist/cli.mjs does not start with #!/usr/bin/env node');
if (cli.indexOf('#!', 2) !== -1 && /\n#!/.test(cli)) problems.push('dist/cli.mjs has a second shebang line');
if (!(statSync(resolve(dist, 'cli.mjs')).mode & 0o111)) problems.push('dist/cli.mjs is not executable');
const server = await import(pathToFileURL(resolve(dist, 'mock-server.mjs')).href);
if (typeof server.createMockServer !== 'function') problems.push('dist/mock-server.mjs does not export createMockServer');
const testing = await import(pathToFileURL(resolve(dist, 'testing.mjs')).href);
for (const name of ['signIn', 'refresh', 'expireAccessTokens', 'replayRetiredRefreshToken', 'familyOf', 'SignInError']) {
  if (typeof testing[name] !== 'function') problems.push(`dist/testing.mjs does not export ${name}`);
}
const pw = readFileSync(resolve(dist, 'testing-playwright.mjs'), 'utf8');
if (!/from ['"]@playwright\/test['"]/.test(pw)) problems.push('dist/testing-playwright.mjs must import @playwright/test (a peer), not bundle it');
for (const name of ['test', 'expect']) if (!new RegExp(`export \\{[^}]*\\b${name}\\b`).test(pw)) problems.push(`dist/testing-playwright.mjs does not export ${name}`);

finish();

function finish() {
  if (problems.length) {
    for (const p of problems) console.error(`check-dist: ${p}`);
    process.exit(1);
  }
  console.log(`check-dist: ok (${esm.length} exports in ESM, CJS and the rotorAuth global; CLI and mock server in place)`);
  process.exit(0);
}
