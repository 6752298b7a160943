package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A policy over other policies: {@link Mode#ALL_OF} allows whom every part allows,
 * {@link Mode#ANY_OF} whom at least one part allows. Parts may live in other policy contracts on
 * the same chain. Immutable once created. Exists on EVM chains only.
 */
public record Composite(PolicyId id, Address owner, Set<Address> admins, long version, Mode mode, List<PolicyRef> parts)
    implements Policy {
  /** How the parts' answers combine. */
  public enum Mode { ALL_OF, ANY_OF }

  /** Most parts one composite may name; bounds the gas of one decision. */
  public static final int MAX_PARTS = 16;

  public Composite {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    admins = Set.copyOf(admins);
    Objects.requireNonNull(mode, "mode");
    parts = List.copyOf(parts);
    if (parts.isEmpty() || parts.size() > MAX_PARTS) {
      throw new IllegalArgumentException("a composite names 1.." + MAX_PARTS + " policies");
    }
  }
}
