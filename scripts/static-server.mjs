// A tiny static file server for the demo (`npm start`) and the e2e suite: GET/HEAD only,
// no directory listings, no path escapes, no caching. Mounts map URL prefixes to directories.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** @param {string | Record<string, string>} mounts */
function normalizeMounts(mounts) {
  const entries = typeof mounts === 'string' ? [['/', mounts]] : Object.entries(mounts);
  return entries
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length); // longest prefix first
}

async function resolveFile(mounts, pathname) {
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    let file = join(dir, pathname.slice(prefix.length));
    if (file !== dir && !file.startsWith(dir + sep)) return undefined; // escape attempt
    const info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      const index = await stat(file).catch(() => undefined);
      if (index?.isFile()) return file;
      continue;
    }
    if (info?.isFile()) return file;
  }
  return undefined;
}

function handler(mounts) {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    const file = pathname.includes('\0') ? undefined : await resolveFile(mounts, pathname);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
}

/**
 * Serves `mounts` on `http://localhost:<port>` (bound to 127.0.0.1; port 0 = a free port).
 * The app runs on `localhost` and the mock authorization server on `127.0.0.1`: two sites.
 * @param {string | Record<string, string>} mounts
 * @param {number} [port]
 */
export async function serveStatic(mounts, port = 0) {
  const handle = handler(normalizeMounts(mounts));
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(undefined));
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://localhost:${actual}`,
    port: actual,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok(undefined));
      }),
  };
}
