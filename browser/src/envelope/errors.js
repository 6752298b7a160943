// The ways an envelope can fail once its header parsed: its shares do not rebuild one key, the key
// is not the one the header committed to, or its body is not what header and key promise. Each
// carries a stable `code`, the same words Java's reason codes use, so an app can decide on it and
// show its own text; the message says what happened and what to do.

/** Base of the envelope's errors: a stable `code` next to the message. */
export class EnvelopeError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The body is not the one its header and key promise. `code` is BODY_TAMPERED (a segment that
 * does not authenticate, a damaged stream header, bytes past the declared end) or TRUNCATED_BODY
 * (the body ends before the length its header declares); `reason` tells the three body faults
 * apart as Java's BodyIntegrityException does: SEGMENT_AUTH, TRAILING_DATA or TRUNCATED.
 * Plaintext is only ever released in segments that authenticated, so what was read before this
 * error is genuine, but the file as a whole is not.
 */
export class BodyIntegrityError extends EnvelopeError {
  constructor(reason, message, options) {
    super(reason === 'TRUNCATED' ? 'TRUNCATED_BODY' : 'BODY_TAMPERED', message, options);
    this.reason = reason;
  }
}

/** More than t shares were given and they do not all lie on one polynomial: some key server lied or a share was damaged. */
export class InconsistentSharesError extends EnvelopeError {
  constructor(message) {
    super('INCONSISTENT_SHARES', message);
  }
}

/** Fewer distinct shares than the threshold: the key cannot be rebuilt. */
export class InsufficientSharesError extends EnvelopeError {
  constructor(message) {
    super('INSUFFICIENT_SHARES', message);
  }
}

/** The key rebuilt from the shares is not the one the header committed to. */
export class CommitmentMismatchError extends EnvelopeError {
  constructor(message) {
    super('COMMITMENT_MISMATCH', message);
  }
}
