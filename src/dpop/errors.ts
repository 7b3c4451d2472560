/** The DPoP error classes live in src/errors.ts (public, in the RotorAuthError union); re-exported for the dpop modules. */
export { DpopKeyMissingError, UseDpopNonceError } from '../errors.js';
