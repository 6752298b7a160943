// The SDK's typed errors. Every one carries a stable `code` (the reason codes the Java side uses, so
// a page switches on the same words a key server or the CLI prints) and a message saying what
// happened and what to do. The envelope's own errors (FormatError, BodyIntegrityError, ...) live
// with the code that throws them.

/** Base of every Cachet error the SDK throws on purpose. */
export class CachetError extends Error {
  /**
   * @param {string} code stable reason code, e.g. 'BAD_RECEIPT'
   * @param {string} message for people: what happened, and what to do
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'CachetError';
    this.code = code;
  }
}

/**
 * A key server's answer that does not verify, or is not the answer to the request asked
 * (WRONG_RESPONSE, BAD_RECEIPT, BAD_SHARE, MALFORMED_RESPONSE): no share of it is used.
 */
export class ProtocolError extends CachetError {
  constructor(code, message, options) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** Lists each server's outcome as Java's ServerOutcome.toString does, for one readable message. */
export function describeOutcomes(outcomes) {
  return outcomes
    .map((o) => {
      if (o.kind === 'not_needed') return `${o.serverId}: ${o.message ?? 'no answer needed'}`;
      return (
        `${o.serverId}: ${o.kind.replace('_', ' ')}` +
        (o.reason ? ` ${o.reason}` : '') +
        (o.httpStatus > 0 && o.kind !== 'denied' ? ` (HTTP ${o.httpStatus})` : '') +
        (o.message ? `: ${o.message}` : '')
      );
    })
    .join('; ');
}

/**
 * Fewer than the threshold of key servers released a share and at least one refused on policy
 * grounds. `outcomes` has one entry per slot of the envelope; `reason` is the first refusal's code;
 * `policyId` ('0x' and 64 hex digits) and `ledgerId` are the envelope header's, so a page can show
 * which policy refused without reading the header again.
 * A denial's message is the server's unsigned words: show it, never decide on it.
 */
export class AccessRefusedError extends CachetError {
  /**
   * @param {string} policyId the header's policy id, '0x' and 64 hex digits
   * @param {number} threshold
   * @param {object[]} outcomes
   * @param {{ledgerId?: string}} [where] the header's ledger id
   */
  constructor(policyId, threshold, outcomes, { ledgerId = null } = {}) {
    const denied = outcomes.filter((o) => o.kind === 'denied');
    super(
      'ACCESS_REFUSED',
      `access to policy ${policyId} refused by ${denied.length} of ${outcomes.length} key servers, ` +
        `${threshold} needed: ${describeOutcomes(outcomes)}`,
    );
    this.name = 'AccessRefusedError';
    this.reason = denied.length > 0 ? denied[0].reason : 'ACCESS_REFUSED';
    this.policyId = policyId;
    this.ledgerId = ledgerId;
    this.threshold = threshold;
    this.outcomes = outcomes;
  }
}

/**
 * Fewer than the threshold of key servers could give a verified share, and none refused.
 * `policyId` and `ledgerId` are the envelope header's when a header's key was asked for, else null.
 */
export class KeyServersUnavailableError extends CachetError {
  /**
   * @param {number} threshold
   * @param {object[]} outcomes
   * @param {{policyId?: string, ledgerId?: string}} [where] the header's policy id ('0x' and 64 hex digits) and ledger id
   */
  constructor(threshold, outcomes, { policyId = null, ledgerId = null } = {}) {
    const released = outcomes.filter((o) => o.kind === 'released').length;
    super(
      'KEY_SERVERS_UNAVAILABLE',
      `${threshold} of ${outcomes.length} key servers must release a share and only ${released} did: ` +
        `${describeOutcomes(outcomes)}. Try again later, or ask the network's operator.`,
    );
    this.name = 'KeyServersUnavailableError';
    this.policyId = policyId;
    this.ledgerId = ledgerId;
    this.threshold = threshold;
    this.outcomes = outcomes;
  }
}

/**
 * The envelope, the network and the reader do not belong together: the header names another
 * ledger (WRONG_LEDGER), key servers the descriptor does not list (UNKNOWN_KEY_SERVER), an EVM
 * policy opened without a wallet (NEEDS_EVM_WALLET), a wallet on another chain (WRONG_CHAIN), or
 * an embedded-ledger policy opened with a wallet (NEEDS_BROWSER_IDENTITY).
 */
export class WrongNetworkError extends CachetError {
  constructor(code, message) {
    super(code, message);
    this.name = 'WrongNetworkError';
  }
}

/**
 * The injected wallet could not give a usable session signature: none there (NO_WALLET), no account
 * shared (NO_WALLET_ACCOUNT), its owner declined (WALLET_REJECTED), it moved to another chain
 * (WRONG_CHAIN), it answered a malformed signature (BAD_SIGNATURE) or one of another account
 * (WRONG_SIGNER), or it failed otherwise (WALLET_ERROR).
 */
export class WalletError extends CachetError {
  constructor(code, message, options) {
    super(code, message, options);
    this.name = 'WalletError';
  }
}

/** A network descriptor (cachet-network/1) that is malformed; the message names the field. */
export class NetworkDescriptorError extends CachetError {
  constructor(message) {
    super('BAD_NETWORK_DESCRIPTOR', message);
    this.name = 'NetworkDescriptorError';
  }
}

/** The storage network refused or could not be reached (BLOB_NOT_FOUND, STORAGE_UNAVAILABLE, ...). */
export class StorageError extends CachetError {
  constructor(code, message, options) {
    super(code, message, options);
    this.name = 'StorageError';
  }
}

/** Text that is not a share token (`cachet1.` + base64url JSON of {blobId, network}). */
export class ShareTokenError extends CachetError {
  constructor(message) {
    super('BAD_SHARE_TOKEN', message);
    this.name = 'ShareTokenError';
  }
}
