package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Set;

/**
 * Holders of a token may read: of an ERC-721, anyone holding at least {@code minimum} of its
 * tokens (1 by default); of an ERC-20, anyone whose balance is at least {@code minimum}. Judged at
 * the block the key servers decide at, so minting or transferring grants or removes access from
 * the next confirmed block. Exists on EVM chains only.
 */
public record TokenGate(PolicyId id, Address owner, Set<Address> admins, long version, Standard standard,
    Address token, BigInteger minimum) implements Policy {
  /** The token standards a gate reads balances of. */
  public enum Standard { ERC721, ERC20 }

  public TokenGate {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    admins = Set.copyOf(admins);
    Objects.requireNonNull(standard, "standard");
    Objects.requireNonNull(token, "token");
    if (minimum == null || minimum.signum() <= 0) {
      throw new IllegalArgumentException("a token gate's minimum is at least 1");
    }
  }
}
