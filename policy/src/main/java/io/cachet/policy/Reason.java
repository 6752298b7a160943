package io.cachet.policy;

/**
 * Stable reason codes: why a transaction was refused, and why an evaluation allowed or denied.
 * The names are part of the HTTP APIs and must not change meaning.
 */
public enum Reason {
  // evaluation
  ALLOWED,
  UNKNOWN_POLICY,
  NOT_A_MEMBER,
  NOT_YET_VALID,
  EXPIRED,
  LOCKED,
  /** A token-gated policy: the requester holds none of the token, or less than the minimum. */
  NOT_A_HOLDER,
  /** A policy contract of an app's own denied with a code of its own (named in the message). */
  DENIED_BY_POLICY,
  /** The evaluator's copy of the ledger cannot be trusted (a follower halted on an invalid block). */
  LEDGER_UNAVAILABLE,
  // transactions
  BAD_SIGNATURE,
  BAD_NONCE,
  NOT_AUTHORIZED,
  INVALID_WINDOW,
  IMMUTABLE_POLICY,
  ALREADY_MEMBER,
  ALREADY_ADMIN,
  NOT_AN_ADMIN,
  LIMIT_EXCEEDED,
  BAD_CERTIFICATE,
  POLICY_EXISTS,
  /** The transaction was signed for another ledger (another id or genesis digest). */
  WRONG_LEDGER
}
