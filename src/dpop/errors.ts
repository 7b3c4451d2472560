/**
 * DPoP error classes (RFC 9449). The wiring phase may move them into
 * src/errors.ts; their `error` codes are the contract.
 */
import { GenericError } from '../errors.js';

/** A server kept answering `use_dpop_nonce` after the one retry with its fresh nonce. */
export class UseDpopNonceError extends GenericError {
  constructor(readonly newDpopNonce?: string) {
    super('use_dpop_nonce', 'Server rejected DPoP proof: wrong nonce');
  }
}

/** The family's DPoP key is gone (storage cleared) or is not the key the family is bound to; the family must be purged locally. */
export class DpopKeyMissingError extends GenericError {
  constructor(error_description = 'DPoP key missing') {
    super('dpop_key_missing', error_description);
  }
}
