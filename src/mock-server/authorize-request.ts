import { redirectUriAllowed } from './clients.js';
import type { Ctx } from './context.js';
import type { ErrorHelp } from './error-page.js';
import type { ParamsResult } from './http.js';
import type { AuthRequest, ResponseMode, ResponseTarget } from './records.js';

export type { AuthRequest, ResponseMode, ResponseTarget } from './records.js';

export type AuthorizeValidation =
  | { kind: 'ok'; request: AuthRequest }
  /** Cannot be sent back to the client (bad client or redirect URI): answer directly. */
  | { kind: 'direct'; status: number; error: string; description: string; help?: ErrorHelp }
  /** Goes back to the redirect URI. */
  | { kind: 'redirect'; target: ResponseTarget; error: string; description: string; help?: ErrorHelp };

const MODES: readonly ResponseMode[] = ['query', 'fragment', 'web_message'];
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Validates /authorize parameters in the order that decides where errors may be sent. */
export function validateAuthorize(ctx: Ctx, parsed: ParamsResult): AuthorizeValidation {
  const p = parsed.params;
  const rawDuplicates = parsed.duplicates;
  const clientId = p.get('client_id');
  if (rawDuplicates.has('client_id') || !clientId) {
    return { kind: 'direct', status: 400, error: 'invalid_request', description: 'Missing or repeated parameter: client_id' };
  }
  const client = ctx.opts.clients.get(clientId);
  if (!client) {
    return {
      kind: 'direct',
      status: 400,
      error: 'invalid_client',
      description: `Unknown client: ${clientId.slice(0, 64)}`,
      help: { sent: ['client_id', clientId], allowed: [...ctx.opts.clients.keys()], fix: 'Use one of these client ids, or start the mock server with --client-id <id> (or add a client to "clients" in a --config file).' },
    };
  }
  const redirectUri = p.get('redirect_uri');
  if (rawDuplicates.has('redirect_uri') || !redirectUri) {
    return { kind: 'direct', status: 400, error: 'invalid_request', description: 'Missing or repeated parameter: redirect_uri' };
  }
  if (!redirectUriAllowed(client, redirectUri)) {
    const allowed = [
      ...client.redirectUris,
      ...client.redirectOrigins.map((o) => `${o}/* (any path)`),
      ...(client.allowLoopbackRedirects ? ['http://localhost:*/*, http://127.0.0.1:*/*, http://[::1]:*/* (any loopback redirect URI)'] : []),
    ];
    return {
      kind: 'direct',
      status: 400,
      error: 'invalid_request',
      description: 'redirect_uri is not allowed for this client',
      help: { sent: ['redirect_uri', redirectUri], allowed, fix: `Start the mock server with --redirect-uri ${redirectUri.slice(0, 256)} (repeatable; or "redirectUris" of the client in a --config file), or use an allowed URI.` },
    };
  }
  const modeParam = p.get('response_mode');
  const modeOk = modeParam === undefined || (MODES as readonly string[]).includes(modeParam);
  const target: ResponseTarget = {
    clientId,
    redirectUri,
    responseMode: modeOk && modeParam ? (modeParam as ResponseMode) : 'query',
    state: rawDuplicates.has('state') ? null : p.get('state') ?? null,
  };
  const fail = (error: string, description: string, help?: ErrorHelp): AuthorizeValidation => ({ kind: 'redirect', target, error, description, ...(help ? { help } : {}) });
  if (!parsed.ok) return fail('invalid_request', parsed.description);
  if (!modeOk) return fail('invalid_request', `Unsupported response_mode: ${modeParam}`);
  const responseType = p.get('response_type');
  if (!responseType) return fail('invalid_request', 'Missing required parameter: response_type');
  if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
  if (p.has('request') || p.has('request_uri')) return fail('request_not_supported', 'Request objects are not supported');
  const challenge = p.get('code_challenge');
  if (!challenge) return fail('invalid_request', 'PKCE is required: missing code_challenge');
  const method = p.get('code_challenge_method');
  if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
  if (!CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 hash (43 characters)');
  const prompt = new Set((p.get('prompt') ?? '').split(' ').filter(Boolean));
  for (const v of prompt) if (!PROMPTS.has(v)) return fail('invalid_request', `Unsupported prompt value: ${v.slice(0, 32)}`);
  if (prompt.has('none') && prompt.size > 1) return fail('invalid_request', 'prompt=none cannot be combined with other values');
  const maxAgeParam = p.get('max_age');
  let maxAge: number | null = null;
  if (maxAgeParam !== undefined) {
    if (!/^\d{1,10}$/.test(maxAgeParam)) return fail('invalid_request', 'max_age must be a non-negative integer');
    maxAge = Number(maxAgeParam);
  }
  const audience = p.get('audience') || null;
  if (audience !== null && !ctx.opts.apis.has(audience)) {
    return fail('access_denied', `Service not found: ${audience.slice(0, 256)}`, {
      sent: ['audience', audience],
      allowed: [...ctx.opts.apis.keys()],
      fix: 'Use one of these API identifiers as audience, or add your API to "apis" in a --config file ({"apis":[{"identifier":"…","allowOfflineAccess":true}]}).',
    });
  }
  const scope = (p.get('scope') ?? 'openid').split(' ').filter(Boolean);
  return {
    kind: 'ok',
    request: {
      ...target,
      scope: [...new Set(scope)].join(' '),
      audience,
      nonce: p.get('nonce') ?? null,
      challenge,
      prompt,
      maxAge,
    },
  };
}
