import type { FamilyView } from './types.js';

// The records the mock server's Store (store.ts) keeps: sessions, codes, families, pending logins, access tokens,
// and the validated /authorize request they are made from (a leaf module: it imports only types.ts).

export type ResponseMode = 'query' | 'fragment' | 'web_message';

/** Where an authorization response (success or error) goes. */
export interface ResponseTarget {
  clientId: string;
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | null;
}

export interface AuthRequest extends ResponseTarget {
  scope: string;
  audience: string | null;
  nonce: string | null;
  challenge: string;
  prompt: Set<string>;
  maxAge: number | null;
}

export interface Session {
  id: string;
  sub: string;
  authTime: number; // seconds
  expiresAt: number; // ms
  mfa: boolean;
  /** The logout confirmation page's CSRF token for this session (made when first needed). */
  logoutCsrf?: string;
}

export interface CodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  sub: string;
  scope: string;
  audience: string | null;
  nonce: string | null;
  authTime: number; // seconds
  /** The login used the one-time code (MFA): the access tokens carry `acr` (see tokens.ts MFA_ACR). */
  mfa?: boolean;
  expiresAt: number;
  usedAt: number | null;
  family: string | null;
  jtis: string[];
}

/** The stored family: its public view plus the original authentication time (seconds) for refreshed ID tokens. */
export interface Family extends FamilyView {
  authTime: number;
  /** The login used MFA (the refreshed access tokens keep `acr`). */
  mfa?: boolean;
}

/** An authorization request waiting for the login form. */
export interface PendingLogin {
  id: string;
  request: AuthRequest;
  expiresAt: number;
  /** The login-binding cookie value of the browser that started it (`rotor_login`); POST /u/login must carry it. */
  binding?: string;
  /** True once the login form was shown to the browser holding `binding` (see `LIMITS.pendingUnstartedPerClient`). */
  started?: boolean;
}

export interface AccessRecord {
  family: string | null;
  exp: number; // ms
  revoked: boolean;
}
