#!/usr/bin/env node
// `npm start` (after `npm run build`): the mock authorization server on http://127.0.0.1:<as-port>
// and the demo app on http://localhost:<demo-port> — two different sites, as in production.
// Usage: node scripts/start.mjs [--as-port 4000] [--demo-port 5173] [--reuse-interval S]
//        [--access-token-ttl S] [--itp]
// Ports fall back to free ones when taken. Stays up until Ctrl-C.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serveStatic } from './static-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, 'dist');

const { values: args } = parseArgs({
  options: {
    'as-port': { type: 'string', default: process.env.ROTOR_AS_PORT ?? '4000' },
    'demo-port': { type: 'string', default: process.env.ROTOR_DEMO_PORT ?? '5173' },
    'reuse-interval': { type: 'string' },
    'access-token-ttl': { type: 'string' },
    itp: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node scripts/start.mjs [--as-port 4000] [--demo-port 5173] [--reuse-interval S] [--access-token-ttl S] [--itp]');
  process.exit(0);
}

function port(name, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`start: --${name} must be a port number (0-65535), got ${value}`);
    process.exit(2);
  }
  return n;
}

function seconds(name, value) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`start: --${name} must be a number of seconds, got ${value}`);
    process.exit(2);
  }
  return n;
}

/** Tries the preferred port, then a free one. */
async function withFallback(preferred, listen) {
  try {
    return await listen(preferred);
  } catch (err) {
    if (preferred === 0 || err?.code !== 'EADDRINUSE') throw err;
    console.warn(`start: port ${preferred} is taken, using a free port instead`);
    return listen(0);
  }
}

for (const file of ['rotor-auth.min.js', 'mock-server.mjs']) {
  if (!existsSync(resolve(dist, file))) {
    console.error(`start: dist/${file} is missing; run \`npm run build\` (or \`npm start\`, which builds first)`);
    process.exit(1);
  }
}
const { createMockServer } = await import(pathToFileURL(resolve(dist, 'mock-server.mjs')).href);

const demo = await withFallback(port('demo-port', args['demo-port']), (p) =>
  serveStatic({ '/': resolve(root, 'demo'), '/dist/': dist }, p),
);
const options = {
  redirectUris: [`${demo.url}/`],
  controlApi: true,
  ...(args.itp ? { itp: true } : {}),
};
const reuse = seconds('reuse-interval', args['reuse-interval']);
if (reuse !== undefined) options.reuseInterval = reuse;
const ttl = seconds('access-token-ttl', args['access-token-ttl']);
if (ttl !== undefined) options.accessTokenTtl = ttl;

const mock = createMockServer(options);
const as = await withFallback(port('as-port', args['as-port']), (p) => mock.listen(p, '127.0.0.1'));
const asUrl = as.url.replace(/\/+$/, '');
const demoUrl = `${demo.url}/?as=${encodeURIComponent(asUrl)}`;

console.log(`mock authorization server: ${asUrl}/  (user demo / password demo; control API at ${asUrl}/__control/)`);
console.log(`demo app:                  ${demoUrl}`);
console.log('Press Ctrl-C to stop.');

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping`);
  await Promise.allSettled([as.close(), demo.close()]);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
