package io.cachet.policy.evm;

import io.cachet.crypto.CachetSecurityException;

/**
 * A contract refused a write (or the call that checks it first): {@link #reason()} is the
 * {@link io.cachet.policy.Reason} name its custom error maps to ({@link ContractErrors}), or
 * {@link ContractErrors#REVERTED} for a revert no Reason describes.
 */
public final class EvmRevertedException extends CachetSecurityException {
  public EvmRevertedException(String reason, String message) {
    super(reason, message);
  }
}
