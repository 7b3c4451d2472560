import type { ResponseTarget } from './authorize-request.js';
import { escapeHtml, html, redirect, scriptJson } from './http.js';

/**
 * Sends an authorization response (RFC 6749 §4.1.2, OAuth 2.0 Multiple
 * Response Types, RFC 9207 `iss`) in the requested response mode.
 * `web_message` answers an HTML page that posts
 * `{ type: 'authorization_response', response }` to the redirect URI's origin only.
 */
export function deliver(
  target: ResponseTarget,
  issuer: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  const response: Record<string, string> = { ...fields };
  if (target.state !== null) response.state = target.state;
  response.iss = issuer;
  if (target.responseMode === 'web_message') return webMessage(target.redirectUri, response, headers);
  if (target.responseMode === 'fragment') {
    const base = target.redirectUri.split('#')[0]!;
    return redirect(`${base}#${new URLSearchParams(response).toString()}`, headers);
  }
  const u = new URL(target.redirectUri);
  for (const [k, v] of Object.entries(response)) u.searchParams.set(k, v);
  return redirect(u.toString(), headers);
}

export function authorizeError(target: ResponseTarget, issuer: string, error: string, description: string, headers: Record<string, string> = {}): Response {
  return deliver(target, issuer, { error, error_description: description }, headers);
}

function webMessage(redirectUri: string, response: Record<string, string>, headers: Record<string, string>): Response {
  const targetOrigin = new URL(redirectUri).origin;
  const message = { type: 'authorization_response', response };
  const body = `<!doctype html>
<html><head><meta charset="utf-8"><title>Authorization response</title></head>
<body><p>Returning to ${escapeHtml(targetOrigin)}…</p>
<script>
(function () {
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) target.postMessage(${scriptJson(message)}, ${scriptJson(targetOrigin)});
})();
</script></body></html>`;
  return html(body, 200, headers);
}
