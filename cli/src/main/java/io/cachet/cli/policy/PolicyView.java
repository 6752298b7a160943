package io.cachet.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.contact.AddressBook;
import io.cachet.crypto.Address;
import io.cachet.policy.AllowList;
import io.cachet.policy.Policy;
import io.cachet.policy.TimeLock;
import io.cachet.policy.Window;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cachet policy show} as a person reads it: owner and admins by their local names, members
 * as a table with their windows in local time and whether each is active, expired or not yet open,
 * judged at one instant ({@code now}, the ledger's time where it could be read, else this
 * machine's clock, and the output says which).
 */
final class PolicyView {
  /** Where the instant members are judged at came from. */
  enum Clock {
    LEDGER("the ledger's time"), LOCAL("this machine's clock (the ledger's time could not be read)");

    final String words;

    Clock(String words) {
      this.words = words;
    }
  }

  private final Policy policy;
  private final AddressBook book;
  private final LocalTimes times;
  private final long now;
  private final Clock clock;

  PolicyView(Policy policy, AddressBook book, LocalTimes times, long now, Clock clock) {
    this.policy = policy;
    this.book = book;
    this.times = times;
    this.now = now;
    this.clock = clock;
  }

  /** A member's state at {@code now}: "active", "expired" or "not yet". */
  static String state(Window w, long now) {
    if (now < w.notBefore()) {
      return "not yet";
    }
    return now >= w.notAfter() ? "expired" : "active";
  }

  void print(PrintWriter out) {
    if (policy instanceof AllowList a) {
      out.println("allow-list " + a.id() + " (version " + a.version() + ")");
      out.println("  owner   " + who(a.owner()));
      sorted(a.admins()).forEach(x -> out.println("  admin   " + who(x)));
      if (a.members().isEmpty()) {
        out.println("  no members yet: cachet policy grant " + a.id() + " NAME|ADDRESS");
        return;
      }
      out.println("  members, judged at " + times.at(now) + " by " + clock.words + ":");
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"MEMBER", "STATE", "FROM", "UNTIL"});
      for (Map.Entry<Address, Window> m : byLabel(a.members())) {
        Window w = m.getValue();
        rows.add(new String[] {book.label(m.getKey()), state(w, now),
            w.notBefore() <= 0 ? "always" : times.atRelative(w.notBefore()),
            w.notAfter() == Long.MAX_VALUE ? "no end" : times.atRelative(w.notAfter())});
      }
      Columns.print(out, "    ", rows);
    } else if (policy instanceof TimeLock t) {
      out.println("time lock " + t.id() + " (version " + t.version() + ")");
      out.println("  owner   " + who(t.owner()));
      boolean open = now >= t.unlockAt();
      out.println("  " + (open ? "open since " : "opens   ") + times.atRelative(t.unlockAt())
          + (open ? "" : " (anyone may read from then on)") + ", by " + clock.words);
    } else {
      // token gates and composites have no members or windows: the plain form says all there is
      PolicyArgs.print(out, policy);
    }
  }

  /** Today's {@code --json} fields, and the local names, member states and the instant they were judged at. */
  ObjectNode toJson() {
    ObjectNode o = PolicyArgs.toJson(policy);
    o.put("judgedAt", Instant.ofEpochMilli(now).toString());
    o.put("judgedBy", clock == Clock.LEDGER ? "ledger" : "local-clock");
    ObjectNode names = o.putObject("names");
    List<Address> known = new ArrayList<>(policy.admins());
    known.add(policy.owner());
    if (policy instanceof AllowList a) {
      known.addAll(a.members().keySet());
      Map<String, Address> byText = new HashMap<>();
      a.members().keySet().forEach(x -> byText.put(x.toString(), x));
      for (JsonNode m : o.withArray("members")) {
        ObjectNode member = (ObjectNode) m;
        Address addr = byText.get(member.get("address").asText());
        book.nameOf(addr).ifPresent(n -> member.put("name", n));
        member.put("state", state(a.members().get(addr), now));
      }
    } else if (policy instanceof TimeLock t) {
      o.put("open", now >= t.unlockAt());
    }
    known.forEach(x -> book.nameOf(x).ifPresent(n -> names.put(x.toString(), n)));
    return o;
  }

  private String who(Address a) {
    return book.nameOf(a).map(n -> n + "  " + a).orElse(a.toString());
  }

  private List<Address> sorted(Collection<Address> all) {
    return all.stream().sorted(Comparator.comparing(book::label)).toList();
  }

  private List<Map.Entry<Address, Window>> byLabel(Map<Address, Window> members) {
    return members.entrySet().stream().sorted(Comparator.comparing(e -> book.label(e.getKey()))).toList();
  }
}
