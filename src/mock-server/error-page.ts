import type { ResponseTarget } from './records.js';
import { escapeHtml, html } from './http.js';

/** What a newcomer needs to fix an authorization error: what was sent, what is allowed, and how to change it. */
export interface ErrorHelp {
  /** The offending parameter and the value sent. */
  sent: [name: string, value: string];
  /** What the server accepts instead (patterns, ids). */
  allowed: string[];
  /** How to change it: the CLI flag (or config key). */
  fix: string;
}

/** True for a browser navigation (a page load, not fetch/XHR): `Sec-Fetch-Mode: navigate`, or an `Accept` that takes HTML. */
export function isNavigation(req: Request): boolean {
  return req.headers.get('sec-fetch-mode') === 'navigate' || /\btext\/html\b/i.test(req.headers.get('accept') ?? '');
}

/** A top-level page load (not an iframe): the user can read a page there. */
export function isTopLevelNavigation(req: Request): boolean {
  const dest = req.headers.get('sec-fetch-dest');
  return isNavigation(req) && (dest === null || dest === 'document');
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);
/** A value for one terminal line: control characters shown as escapes, clipped. */
const oneLine = (s: string) => clip(s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 200);

/** The terminal line for an authorization error. */
export function errorLine(error: string, description: string, help: ErrorHelp | undefined): string {
  const base = `authorize error: ${error}: ${oneLine(description)}`;
  if (!help) return base;
  return `${base} (sent ${help.sent[0]}=${oneLine(help.sent[1])}; allowed: ${oneLine(help.allowed.join(', ') || 'none')}; fix: ${oneLine(help.fix)})`;
}

/** The HTML error page; `back` is the usual error redirect to the app, when there is one. */
export function errorPage(status: number, error: string, description: string, help: ErrorHelp | undefined, back?: string): Response {
  const e = (s: string) => escapeHtml(clip(s, 2000));
  const details = help
    ? `<h2>What was sent</h2><p><code>${e(help.sent[0])}</code> = <code>${e(help.sent[1])}</code></p>
<h2>What is allowed</h2><ul>${help.allowed.map((a) => `<li><code>${e(a)}</code></li>`).join('') || '<li>nothing is configured</li>'}</ul>
<h2>How to fix it</h2><p>${e(help.fix)}</p>`
    : '';
  const link = back ? `<p><a id="continue" href="${escapeHtml(back)}">Return to the application with this error</a></p>` : '';
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(error)} · rotor-auth mock server</title>
<style>body{font:16px system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}code{background:#f1f1f4;padding:.1rem .3rem;border-radius:3px;word-break:break-all}h1{color:#b00020;font-size:1.4rem}h2{font-size:1rem;margin-top:1.4rem}</style>
</head><body>
<h1>Authorization error: ${e(error)}</h1>
<p>${e(description)}</p>
${details}
${link}
<p><small>rotor-auth mock server · API clients get this error as JSON (send <code>Accept: application/json</code>).</small></p>
</body></html>`;
  return html(body, status, { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'", 'X-Frame-Options': 'DENY' });
}

export type { ResponseTarget };
