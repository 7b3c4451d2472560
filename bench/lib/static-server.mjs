// Serves the benchmark page and the SDK script-tag bundles on a random
// loopback port. The page is cross-origin isolated (COOP + COEP) so that
// performance.now() has its fine (5 µs) resolution in Chromium.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));

const FILES = {
  '/bench.html': path.join(root, 'bench/page/bench.html'),
  '/harness.js': path.join(root, 'bench/page/harness.js'),
  '/sdk/rotor-auth.min.js': path.join(root, 'dist/rotor-auth.min.js'),
  '/sdk/auth0-spa-js.production.js': path.join(root, 'node_modules/@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

export async function startStaticServer() {
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    const file = FILES[pathname];
    const headers = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-store',
    };
    if (!file) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      res.end('missing');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
