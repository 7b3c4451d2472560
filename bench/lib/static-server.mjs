// Serves the benchmark pages and the SDK script-tag bundles on a random
// loopback port. The pages are cross-origin isolated (COOP + COEP) so that
// performance.now() has its fine (5 µs) resolution in Chromium.
// /bench.html loads both SDKs (no-store). /cold.html?sdk=… loads ONE SDK the
// way an app's page would, and is served with `no-cache` + ETag, so a reload
// revalidates each file (one round trip, no body when unchanged), as a
// browser reloading an app does.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const SDK_SCRIPTS = {
  'rotor-auth': '/sdk/rotor-auth.min.js',
  'auth0-spa-js': '/sdk/auth0-spa-js.production.js',
};

const FILES = {
  '/bench.html': path.join(root, 'bench/page/bench.html'),
  '/harness.js': path.join(root, 'bench/page/harness.js'),
  '/cold.js': path.join(root, 'bench/page/cold.js'),
  [SDK_SCRIPTS['rotor-auth']]: path.join(root, 'dist/rotor-auth.min.js'),
  [SDK_SCRIPTS['auth0-spa-js']]: path.join(root, 'node_modules/@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** The cold-start page for one SDK: marks around the SDK's script tag measure its compile + execute. */
function coldPage(sdk) {
  const src = sdk === 'none' ? undefined : SDK_SCRIPTS[sdk];
  if (!src && sdk !== 'none') return undefined;
  return Buffer.from(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cold start ${sdk}</title>
<script>performance.mark('sdk-start')</script>
${src ? `<script src="${src}"></script>` : ''}
<script>performance.mark('sdk-end')</script>
<script src="/cold.js"></script>
</head><body><p>cold start: ${sdk}</p></body></html>
`);
}

export async function startStaticServer() {
  const server = http.createServer(async (req, res) => {
    const { pathname, searchParams } = new URL(req.url, 'http://x');
    const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    const cold = pathname === '/cold.html' || pathname === '/cold.js' || (pathname.startsWith('/sdk/') && req.headers.referer?.includes('/cold.html'));
    let body;
    let type;
    try {
      if (pathname === '/cold.html') {
        body = coldPage(searchParams.get('sdk'));
        type = TYPES['.html'];
      } else if (FILES[pathname]) {
        body = await readFile(FILES[pathname]);
        type = TYPES[path.extname(FILES[pathname])];
      }
    } catch { /* missing file: 404 below */ }
    if (!body) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (!cold) {
      res.writeHead(200, { ...headers, 'cache-control': 'no-store', 'content-type': type });
      res.end(body);
      return;
    }
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    const cacheHeaders = { ...headers, 'cache-control': 'no-cache', etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, cacheHeaders);
      res.end();
      return;
    }
    res.writeHead(200, { ...cacheHeaders, 'content-type': type, 'content-length': body.length });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
