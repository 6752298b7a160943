package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.util.Objects;
import java.util.Set;

/**
 * Anyone may read at or after {@code unlockAt} (ledger time, inclusive; never a server's clock, and
 * a follower holds blocks stamped ahead of its clock, so a sequencer whose clock runs ahead opens
 * nothing early). Immutable once created.
 */
public record TimeLock(PolicyId id, Address owner, Set<Address> admins, long version, long unlockAt)
    implements Policy {
  public TimeLock {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    admins = Set.copyOf(admins);
    if (unlockAt < 0) {
      throw new IllegalArgumentException("unlockAt must not be negative");
    }
  }
}
