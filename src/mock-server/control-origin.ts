import { tryUrl } from './http.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** localhost, *.localhost, 127.0.0.0/8 and [::1] (RFC 6761 loopback names and addresses). */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_NAMES.has(h) || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1';
}

/** True for an `Origin` the control API serves: a loopback origin (http or https, any port) or one of `extra`. */
export function controlOriginAllowed(origin: string, extra: ReadonlySet<string>): boolean {
  if (extra.has(origin)) return true;
  const u = tryUrl(origin);
  if (!u || u.origin !== origin) return false; // also refuses "null"
  return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHostname(u.hostname);
}
