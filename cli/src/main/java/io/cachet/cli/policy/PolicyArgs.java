package io.cachet.cli.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Ids;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Policy;
import io.cachet.policy.TimeLock;
import io.cachet.policy.Window;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;

/** Parsing of policy ids and members, and the one way a policy is printed. */
final class PolicyArgs {
  private PolicyArgs() {}

  static PolicyId policyId(String text) {
    return Ids.policy(text);
  }

  /** An address ({@code 0x...}) or the name of a local identity. */
  static Address member(IdentityStore ids, String text) throws IOException {
    if (text.startsWith("0x")) {
      try {
        return Address.parse(text);
      } catch (FormatException e) {
        throw new UsageException("'" + text + "' is not an address (0x and 64 hex digits)");
      }
    }
    return ids.show(ids.resolve(text)).address();
  }

  static String window(Window w) {
    String from = w.notBefore() <= 0 ? "always" : Instant.ofEpochMilli(w.notBefore()).toString();
    String until = w.notAfter() == Long.MAX_VALUE ? "no end" : Instant.ofEpochMilli(w.notAfter()).toString();
    return w.notBefore() <= 0 && w.notAfter() == Long.MAX_VALUE ? "always" : "from " + from + " until " + until;
  }

  static ObjectNode toJson(Policy policy) {
    ObjectNode o = Json.object();
    if (policy instanceof AllowList a) {
      o.put("kind", "allow-list");
      o.put("id", a.id().toString());
      o.put("owner", a.owner().toString());
      o.put("version", a.version());
      ArrayNode admins = o.putArray("admins");
      a.admins().forEach(x -> admins.add(x.toString()));
      ArrayNode members = o.putArray("members");
      for (Map.Entry<Address, Window> m : a.members().entrySet()) {
        ObjectNode e = members.addObject();
        e.put("address", m.getKey().toString());
        e.put("notBefore", m.getValue().notBefore());
        e.put("notAfter", m.getValue().notAfter() == Long.MAX_VALUE ? null : m.getValue().notAfter());
      }
    } else if (policy instanceof TimeLock t) {
      o.put("kind", "time-lock");
      o.put("id", t.id().toString());
      o.put("owner", t.owner().toString());
      o.put("version", t.version());
      o.put("unlockAt", Instant.ofEpochMilli(t.unlockAt()).toString());
    }
    return o;
  }

  static void print(PrintWriter out, Policy policy) {
    if (policy instanceof AllowList a) {
      out.println("allow-list " + a.id() + " (version " + a.version() + ")");
      out.println("  owner    " + a.owner());
      a.admins().forEach(x -> out.println("  admin    " + x));
      if (a.members().isEmpty()) {
        out.println("  no members yet: cachet policy grant " + a.id() + " ADDRESS|NAME");
      }
      a.members().forEach((addr, w) -> out.println("  member   " + addr + "  " + window(w)));
    } else if (policy instanceof TimeLock t) {
      out.println("time lock " + t.id() + " (version " + t.version() + ")");
      out.println("  owner    " + t.owner());
      out.println("  opens at " + Instant.ofEpochMilli(t.unlockAt()) + " (anyone may read from then on)");
    }
  }
}
