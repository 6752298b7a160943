package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.util.Set;

/**
 * An access policy object on the ledger. Every policy has an id, an owner, admins and a version
 * that each accepted change increments. Policies are immutable values: a transaction produces a
 * new version rather than changing one in place, so a follower can hand out a snapshot safely.
 * Token gates and composites exist on EVM chains only; the embedded ledger has no operation that
 * makes one.
 */
public sealed interface Policy permits AllowList, TimeLock, TokenGate, Composite {
  PolicyId id();

  Address owner();

  Set<Address> admins();

  long version();

  /** Whether {@code who} may change this policy: the owner or an admin. */
  default boolean isManagedBy(Address who) {
    return owner().equals(who) || admins().contains(who);
  }
}
