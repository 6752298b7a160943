package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.util.Objects;
import java.util.Set;

/**
 * A policy as a listing shows it: who manages it and how big it is, without its members. What
 * {@link PolicyChain#managedBy} answers, so a list of many policies stays small.
 *
 * @param kind "allow-list", "time-lock", "token-gate", "all-of" or "any-of"
 * @param members an allow-list's member count, else 0
 * @param unlockAt a time lock's opening time (epoch milliseconds), else 0
 */
public record PolicySummary(PolicyId id, String kind, Address owner, Set<Address> admins, long version, long members,
    long unlockAt) {
  public PolicySummary {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(owner, "owner");
    admins = Set.copyOf(admins);
  }

  /** The summary of a whole policy. */
  public static PolicySummary of(Policy p) {
    if (p instanceof AllowList a) {
      return new PolicySummary(a.id(), "allow-list", a.owner(), a.admins(), a.version(), a.members().size(), 0);
    }
    if (p instanceof TimeLock t) {
      return new PolicySummary(t.id(), "time-lock", t.owner(), t.admins(), t.version(), 0, t.unlockAt());
    }
    if (p instanceof TokenGate g) {
      return new PolicySummary(g.id(), "token-gate", g.owner(), g.admins(), g.version(), 0, 0);
    }
    Composite c = (Composite) p;
    return new PolicySummary(c.id(), c.mode() == Composite.Mode.ALL_OF ? "all-of" : "any-of", c.owner(), c.admins(),
        c.version(), 0, 0);
  }

  /** Whether {@code who} owns or administers it. */
  public boolean isManagedBy(Address who) {
    return owner.equals(who) || admins.contains(who);
  }
}
