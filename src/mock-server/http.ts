/** Small HTTP helpers shared by the routes: JSON/HTML answers, OAuth errors, parameter parsing, cookies. */

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_PARAM_LENGTH = 4096;
export const MAX_PARAMS = 64;

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** Bodies of the responses made here, so the node bridge writes the string instead of reading the stream back. */
const texts = new WeakMap<Response, string>();

export function bodyText(r: Response): string | undefined {
  return r.bodyUsed ? undefined : texts.get(r);
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  const r = new Response(text, {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
  });
  texts.set(r, text);
  return r;
}

export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): Response {
  return json({ error, error_description: description }, status, headers);
}

export function html(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...NO_STORE, ...headers } });
}

export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 302, headers: { Location: headerSafeUrl(location), ...NO_STORE, ...headers } });
}

/**
 * An absolute URL as a valid header value: the WHATWG serialization is ASCII
 * (non-ASCII is percent-encoded, the host punycoded). Callers refuse URLs
 * with control characters first (see `hasControlChars`).
 */
export function headerSafeUrl(location: string): string {
  const u = tryUrl(location);
  if (u) return u.href;
  const pct = (c: string) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return location.replace(/[^\u0021-\u007e]/g, pct);
}

/** True when a URL parameter holds whitespace or control characters (CR/LF/NUL...), which a redirect target must not. */
export function hasControlChars(s: string): boolean {
  return /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(s);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside an inline <script>. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export type Params = Map<string, string>;
export type ParamsResult =
  | { ok: true; params: Params; duplicates: Set<string> }
  | { ok: false; description: string; params: Params; duplicates: Set<string> };

/**
 * Collects parameters, refusing duplicates (RFC 6749 §3.1), oversized values
 * and too many parameters. On failure, `params` still holds every
 * well-formed parameter given once (for `state` and redirect decisions), and
 * `duplicates` names the repeated ones.
 */
export function collectParams(entries: Iterable<[string, unknown]>): ParamsResult {
  const params: Params = new Map();
  const duplicates = new Set<string>();
  let problem: string | null = null;
  let count = 0;
  for (const [k, v] of entries) {
    if (++count > MAX_PARAMS) {
      problem ??= 'Too many parameters';
      break;
    }
    if (typeof v !== 'string') {
      problem ??= `Parameter ${k.slice(0, 64)} must be a string`;
      continue;
    }
    if (k.length > 128 || v.length > MAX_PARAM_LENGTH) {
      problem ??= `Parameter ${k.slice(0, 64)} is too long`;
      continue;
    }
    if (params.has(k) || duplicates.has(k)) {
      problem ??= `Parameter ${k} must not be repeated`;
      duplicates.add(k);
      params.delete(k);
      continue;
    }
    params.set(k, v);
  }
  return problem === null ? { ok: true, params, duplicates } : { ok: false, description: problem, params, duplicates };
}

/** Reads a form or JSON request body into parameters. */
export async function readBodyParams(req: Request): Promise<ParamsResult> {
  const empty = { params: new Map<string, string>(), duplicates: new Set<string>() };
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'application/json') {
    return { ok: false, description: 'Content-Type must be application/x-www-form-urlencoded or application/json', ...empty };
  }
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return { ok: false, description: 'Request body too large', ...empty };
  let text: string;
  try {
    const buf = await req.arrayBuffer();
    if (buf.byteLength > MAX_BODY_BYTES) return { ok: false, description: 'Request body too large', ...empty };
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return { ok: false, description: 'Request body is not valid UTF-8', ...empty };
  }
  if (type === 'application/x-www-form-urlencoded') return collectParams(withoutPrototypeKeys(new URLSearchParams(text)));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, description: 'Request body is not valid JSON', ...empty };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, description: 'Request body must be a JSON object', ...empty };
  }
  return collectParams(withoutPrototypeKeys(Object.entries(parsed)));
}

/** Keys that name prototype machinery: dropped from request bodies (never parameters, never assignments). */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function* withoutPrototypeKeys<V>(entries: Iterable<[string, V]>): Iterable<[string, V]> {
  for (const e of entries) if (!PROTOTYPE_KEYS.has(e[0])) yield e;
}

/** The TCP peer of a request that came over a socket (set by the node bridge); in-process requests have none. */
const peers = new WeakMap<object, string>();

export function setPeer(req: object, address: string | undefined): void {
  if (address !== undefined) peers.set(req, address);
}

export function peerOf(req: Request): string | undefined {
  return peers.get(req);
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback (`::ffff:127.x.y.z`). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export function parseCookies(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (!out.has(k)) out.set(k, part.slice(i + 1).trim());
  }
  return out;
}

export function randomToken(bytes = 32): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Buffer.from(b).toString('base64url');
}

export function isLoopbackHttp(u: URL): boolean {
  return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]');
}

export function tryUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}
