package io.cachet.policy.server;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.TimeLock;
import io.cachet.policy.Window;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of policy objects that the ledger serves and clients read back. Lists are sorted,
 * so the same policy always prints the same way; an open window end is {@code null}.
 */
public final class PolicyJson {
  private PolicyJson() {}

  public static JsonObject toJson(Policy p) {
    JsonObject o = new JsonObject()
        .put("id", p.id().toString())
        .put("owner", p.owner().toString())
        .put("admins", new JsonArray(p.admins().stream().map(Address::toString).sorted().toList()))
        .put("version", p.version());
    if (p instanceof TimeLock t) {
      return o.put("kind", "timeLock").put("unlockAt", t.unlockAt());
    }
    AllowList list = (AllowList) p;
    JsonArray members = new JsonArray();
    list.members().entrySet().stream()
        .sorted(Map.Entry.comparingByKey((a, b) -> a.toString().compareTo(b.toString())))
        .forEach(e -> members.add(new JsonObject()
            .put("address", e.getKey().toString())
            .put("notBefore", e.getValue().notBefore())
            .put("notAfter", e.getValue().notAfter() == Long.MAX_VALUE ? null : e.getValue().notAfter())));
    return o.put("kind", "allowList").put("members", members);
  }

  /**
   * A listing's entry: {@code {id, kind, owner, admins, version, members, unlockAt}}; members 0
   * unless an allow-list, unlockAt 0 unless a time lock.
   */
  public static JsonObject summary(PolicySummary p) {
    return new JsonObject()
        .put("id", p.id().toString())
        .put("kind", p.kind())
        .put("owner", p.owner().toString())
        .put("admins", new JsonArray(p.admins().stream().map(Address::toString).sorted().toList()))
        .put("version", p.version())
        .put("members", p.members())
        .put("unlockAt", p.unlockAt());
  }

  /** Reads what {@link #summary} wrote; anything else is a {@link FormatException}. */
  public static PolicySummary summaryFromJson(JsonObject o) throws FormatException {
    try {
      Set<Address> admins = new HashSet<>();
      for (Object a : o.getJsonArray("admins")) {
        admins.add(Address.parse((String) a));
      }
      return new PolicySummary(PolicyId.parse(o.getString("id")), o.getString("kind"),
          Address.parse(o.getString("owner")), admins, o.getLong("version"), o.getLong("members"),
          o.getLong("unlockAt"));
    } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
      throw new FormatException("policy summary JSON: " + e.getMessage(), e);
    }
  }

  /** Reads what {@link #toJson} wrote; anything else is a {@link FormatException}. */
  public static Policy fromJson(JsonObject o) throws FormatException {
    try {
      PolicyId id = PolicyId.parse(o.getString("id"));
      Address owner = Address.parse(o.getString("owner"));
      Set<Address> admins = new HashSet<>();
      for (Object a : o.getJsonArray("admins")) {
        admins.add(Address.parse((String) a));
      }
      long version = o.getLong("version");
      String kind = o.getString("kind");
      if ("timeLock".equals(kind)) {
        return new TimeLock(id, owner, admins, version, o.getLong("unlockAt"));
      }
      if (!"allowList".equals(kind)) {
        throw new FormatException("unknown policy kind " + kind);
      }
      Map<Address, Window> members = new HashMap<>();
      for (Object m : o.getJsonArray("members")) {
        JsonObject mo = (JsonObject) m;
        Long notAfter = mo.getLong("notAfter");
        members.put(Address.parse(mo.getString("address")),
            new Window(mo.getLong("notBefore"), notAfter == null ? Long.MAX_VALUE : notAfter));
      }
      return new AllowList(id, owner, admins, version, members);
    } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
      throw new FormatException("policy JSON: " + e.getMessage(), e);
    }
  }
}
