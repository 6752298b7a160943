package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Named readers, each allowed within an optional window: opened by ledger time, ended at the later
 * of ledger time and the evaluating server's clock ({@link Window}).
 */
public record AllowList(PolicyId id, Address owner, Set<Address> admins, long version, Map<Address, Window> members)
    implements Policy {

  /** Most members one allow-list may hold; keeps every policy object small enough to evaluate and ship. */
  public static final int MAX_MEMBERS = 10_000;

  /** Most admins one policy may have. */
  public static final int MAX_ADMINS = 32;

  public AllowList {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    admins = Set.copyOf(admins);
    members = Map.copyOf(members);
  }

  AllowList withMember(Address member, Window window) {
    Map<Address, Window> m = new HashMap<>(members);
    m.put(member, window);
    return new AllowList(id, owner, admins, version + 1, m);
  }

  AllowList withoutMember(Address member) {
    Map<Address, Window> m = new HashMap<>(members);
    m.remove(member);
    return new AllowList(id, owner, admins, version + 1, m);
  }

  AllowList withAdmin(Address admin, boolean present) {
    Set<Address> a = new HashSet<>(admins);
    if (present) {
      a.add(admin);
    } else {
      a.remove(admin);
    }
    return new AllowList(id, owner, a, version + 1, members);
  }

  AllowList withOwner(Address newOwner) {
    return new AllowList(id, newOwner, admins, version + 1, members);
  }
}
