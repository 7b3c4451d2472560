import { InvalidResponseError, NetworkError, OAuthError, TimeoutError } from '../errors.js';
import { errorText, obj, parseJson } from '../shape.js';

/**
 * HTTP for the protocol modules: form POSTs and JSON GETs with a timeout and
 * one error shape. Errors are classified by status and the OAuth `error`
 * field, never by description text:
 * - fetch rejected (request may or may not have reached the server), or the body broke off → NetworkError without status
 * - timeout → TimeoutError
 * - JSON `{ error }` body → OAuthError(error, description, status)
 * - any other non-2xx (HTML 502, empty 429, ...) → NetworkError with status
 * - 2xx that is not a JSON object → InvalidResponseError
 */
export interface HttpOptions {
  timeoutMs: number;
  /** Extra request headers (e.g. `Authorization` for userinfo, `DPoP`). */
  headers?: Record<string, string>;
  /** DPoP: called (and awaited) with every `DPoP-Nonce` response header, success or error, before the body is read. */
  nonce?: (nonce: string) => Promise<void>;
}

export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/**
 * One request: a form POST when `form` is given, else a GET. `noContent` (RFC 7009 revocation, which answers 200
 * with any or no body): no `Accept`, and a 2xx is not read (resolves undefined).
 */
export const request = async (url: string, opts: HttpOptions, form?: Record<string, string | undefined>, noContent?: boolean): Promise<JsonResponse> => {
  const body = form && new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  // a URLSearchParams body: fetch sends `Content-Type: application/x-www-form-urlencoded;charset=UTF-8` itself
  const headers = { ...(!noContent && { Accept: 'application/json' }), ...opts.headers };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { method: form && 'POST', headers, body, signal: controller.signal }); // GET: fetch's default
  } catch (e) {
    if (controller.signal.aborted) throw new TimeoutError(`${url}: no answer in ${opts.timeoutMs} ms`);
    throw new NetworkError(`${url}: ${errorText(e)}`);
  } finally {
    clearTimeout(timer); // answered: a slow nonce store below must not abort the body (it may hold a rotated token)
  }
  const nonce = res.headers.get('dpop-nonce');
  if (nonce && opts.nonce) await opts.nonce(nonce).catch(() => undefined); // a lost nonce costs one challenge, never the response
  if (noContent && res.ok) return res.body?.cancel().catch(() => undefined) as never;
  const text = await res.text().catch((e: unknown) => {
    // The answer broke off: what it said is lost, as if it never came (no status: a lost response, retried once).
    throw new NetworkError(`${url}: HTTP ${res.status}, body lost: ${errorText(e)}`);
  });
  let json: unknown;
  try {
    json = parseJson(text);
  } catch {
    // not JSON (an empty body included): handled below
  }
  if (!res.ok) {
    const wait = retryAfter(res.headers.get('retry-after'));
    const error = obj(json) && json.error;
    if (typeof error === 'string') {
      const desc = (json as { error_description?: unknown }).error_description;
      throw new OAuthError(error, typeof desc === 'string' ? desc : error, res.status, wait);
    }
    throw new NetworkError(`${url}: HTTP ${res.status}`, res.status, wait);
  }
  if (!obj(json)) throw new InvalidResponseError(`${url}: HTTP ${res.status}, no JSON object`);
  return { status: res.status, body: json, headers: res.headers };
};

/** `Retry-After` (RFC 9110 §10.2.3) in seconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
