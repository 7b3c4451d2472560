import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isLoopbackHostname } from './control-origin.js';
import { bodyText, setPeer, tryUrl } from './http.js';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Serve TLS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
}

const MAX_INCOMING = 1024 * 1024;

/**
 * The request as the handler sees it over a socket: the part of `Request` the
 * routes use (`url`, `method`, `headers.get`, `arrayBuffer`, `text`), read
 * straight from node's IncomingMessage. Building a full undici `Request`
 * (and its `Headers` and body stream) per call was a fifth of a refresh
 * grant's CPU; this is the same idea as @hono/node-server's request proxy.
 */
class NodeRequest {
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  constructor(
    readonly url: string,
    readonly method: string,
    raw: IncomingHttpHeaders,
    private readonly body: Buffer | null,
  ) {
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
      has: (name) => raw[name.toLowerCase()] !== undefined,
    };
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.body ?? Buffer.alloc(0);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return this.body ? this.body.toString('utf8') : '';
  }
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request | null> {
  const path = req.url ?? '/';
  if (!path.startsWith('/')) return null; // absolute-form or junk request targets
  const url = `${base}${path}`;
  const method = req.method ?? 'GET';
  let body: Buffer | null = null;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_INCOMING) return null;
      chunks.push(c);
    }
    body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
  // the handler reads only what NodeRequest has (see the class comment)
  const out = new NodeRequest(url, method, req.headers, body);
  setPeer(out, req.socket.remoteAddress);
  return out as unknown as Request;
}

async function send(res: ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v;
  });
  const cookies = r.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(r.status, headers);
  if (r.body && (headers['content-type'] as string | undefined)?.startsWith('text/event-stream')) {
    // a stream (server-sent events): forward chunks until either side ends it
    res.flushHeaders();
    const reader = r.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => {}));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
    return;
  }
  const text = bodyText(r);
  res.end(text !== undefined ? text : Buffer.from(await r.arrayBuffer()));
}

/** The `Host` header's hostname (lower case, IPv6 in brackets), or null when malformed. */
function hostnameOf(hostHeader: string): string | null {
  if (!/^[A-Za-z0-9.\-[\]:]{1,255}$/.test(hostHeader)) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(hostHeader);
  return m ? m[1]!.toLowerCase() : null;
}

/** Hosts a browser may name to reach this server: loopback names, the bound host and the issuer's host. */
function hostAllowed(hostname: string, bound: string, issuer: string | null): boolean {
  if (isLoopbackHostname(hostname)) return true;
  const b = bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound;
  if (hostname === b.toLowerCase()) return true;
  return issuer !== null && tryUrl(issuer)?.hostname.toLowerCase() === hostname;
}

/** A thin node:http(s) bridge around the fetch handler. `Response.error()` destroys the socket. */
export function listen(
  handler: (req: Request) => Promise<Response>,
  port = 0,
  host = '127.0.0.1',
  opts: ListenOptions = {},
  pinnedIssuer: () => string | null = () => null,
): Promise<Listening> {
  const proto = opts.tls ? 'https' : 'http';
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // The issuer (and so every URL the server builds) never follows the Host header; a Host that is
    // neither loopback nor this server's is refused (DNS rebinding).
    const issuer = pinnedIssuer();
    const hostHeader = req.headers.host;
    const hostname = hostHeader === undefined ? null : hostnameOf(hostHeader);
    if (hostHeader !== undefined && (hostname === null || !hostAllowed(hostname, host, issuer))) {
      res.writeHead(421, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: 'Host not served here (only loopback names and the bound address)' }));
      return;
    }
    const addr = server.address();
    const base = issuer ? issuer.replace(/\/$/, '') : `${proto}://${typeof addr === 'object' && addr ? hostPort(publicHost(host), addr.port) : host}`;
    toRequest(req, base)
      .then(async (request) => {
        if (!request) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid_request', error_description: 'Malformed or oversized request' }));
          return;
        }
        const r = await handler(request);
        if (r.type === 'error') {
          req.socket.destroy();
          return;
        }
        await send(res, r);
      })
      .catch(() => req.socket.destroy());
  };
  const server: Server = opts.tls ? createHttpsServer(opts.tls, onRequest) : createHttpServer(onRequest);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `${proto}://${hostPort(publicHost(host), actual)}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** A wildcard bind address is reached through loopback. */
function publicHost(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
