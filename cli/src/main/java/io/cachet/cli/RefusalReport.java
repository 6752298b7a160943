package io.cachet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.contact.AddressBook;
import io.cachet.client.ServerOutcome;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every key server's answer to one question, one line each, as a person reads it: the server's id,
 * what it did in words, the reason code in parentheses, and its message with the addresses the
 * person knows replaced by their local names (identities, contacts) and the others shortened. The
 * SDK's outcomes carry the raw data; this is the only place it is worded for the command line.
 */
final class RefusalReport {
  /** An Ed25519 address or policy id (64 hex digits) or an EVM address (40), as servers write them. */
  private static final Pattern ADDRESS = Pattern.compile("0x(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{40})(?![0-9a-fA-F])");

  /** A policy's denial reasons in words, for the lines of servers that refused. */
  private static final Map<String, String> DENIALS = Map.of(
      "NOT_A_MEMBER", "not on the policy's list",
      "EXPIRED", "the grant's window has ended",
      "NOT_YET_VALID", "the grant's window has not begun",
      "LOCKED", "the time lock is still closed",
      "NOT_A_HOLDER", "holds none of the token the policy asks for",
      "DENIED_BY_POLICY", "the app's policy contract said no",
      "UNKNOWN_POLICY", "the key server does not know this policy",
      "WRONG_LEDGER", "the blob's policy lives on another ledger");

  /** The order of a summary's groups: what decided the round first, what was not needed last. */
  private static final List<ServerOutcome.Kind> SUMMARY_ORDER = List.of(ServerOutcome.Kind.DENIED,
      ServerOutcome.Kind.UNAVAILABLE, ServerOutcome.Kind.INVALID, ServerOutcome.Kind.RELEASED,
      ServerOutcome.Kind.NOT_NEEDED);

  private final AddressBook book;

  /** {@code book} may be null: addresses are then only shortened. */
  RefusalReport(AddressBook book) {
    this.book = book;
  }

  /** One line per server, indented, in the order given. */
  List<String> lines(List<ServerOutcome> outcomes) {
    int width = outcomes.stream().mapToInt(o -> o.serverId().length()).max().orElse(0);
    return outcomes.stream().map(o -> "  " + pad(o.serverId(), width) + "  " + words(o)).toList();
  }

  /** What one server did, in words. */
  String words(ServerOutcome o) {
    String message = o.message() == null || o.message().isBlank() ? null : named(o.message());
    return switch (o.kind()) {
      case RELEASED -> "released its share";
      case NOT_NEEDED -> message != null ? message : "no answer needed";
      case DENIED -> "refused: " + (message != null ? message : DENIALS.getOrDefault(o.reason(), "the policy said no"))
          + code(o);
      case UNAVAILABLE -> (o.httpStatus() > 0 ? "not serving" : "no answer") + (message != null ? ": " + message : "")
          + code(o);
      case INVALID -> "answer rejected, it does not verify" + (message != null ? ": " + message : "") + code(o);
    };
  }

  /**
   * Every server's answer in one line, grouped by what it did: "refused by ks-1 and ks-2
   * (NOT_A_MEMBER); ks-3 not needed". States only what the outcomes show.
   */
  static String summary(List<ServerOutcome> outcomes) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    outcomes.stream().sorted(Comparator.comparing(ServerOutcome::serverId)).forEach(o -> groups.computeIfAbsent(
        o.kind() + (o.reason() == null ? "" : " " + o.reason()), k -> new ArrayList<>()).add(o.serverId()));
    List<String> parts = new ArrayList<>();
    for (ServerOutcome.Kind kind : SUMMARY_ORDER) {
      groups.forEach((key, servers) -> {
        if (!key.split(" ")[0].equals(kind.name())) {
          return;
        }
        String who = FailureReport.names(servers);
        String code = key.contains(" ") ? " (" + key.substring(key.indexOf(' ') + 1) + ")" : "";
        parts.add(switch (kind) {
          case DENIED -> "refused by " + who + code;
          case RELEASED -> "released by " + who;
          case UNAVAILABLE -> "no answer from " + who + code;
          case INVALID -> "answer rejected from " + who + code;
          case NOT_NEEDED -> who + " not needed";
        });
      });
    }
    return String.join("; ", parts);
  }

  /** The servers array of a {@code --json} error: id, outcome, reason when there is one, message. */
  static void json(ArrayNode servers, List<ServerOutcome> outcomes) {
    for (ServerOutcome o : outcomes) {
      ObjectNode s = servers.addObject();
      s.put("id", o.serverId());
      s.put("outcome", o.kind().name().toLowerCase(Locale.ROOT));
      if (o.reason() != null) {
        s.put("reason", o.reason());
      }
      if (o.httpStatus() > 0 && o.kind() != ServerOutcome.Kind.DENIED && o.kind() != ServerOutcome.Kind.RELEASED) {
        s.put("httpStatus", o.httpStatus());
      }
      s.put("message", o.message() != null ? o.message() : o.kind() == ServerOutcome.Kind.RELEASED
          ? "released its share" : "no answer needed");
    }
  }

  /** {@code text} with every address replaced by its local name, or shortened when it has none. */
  String named(String text) {
    Matcher m = ADDRESS.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(label(m.group())));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** An address's local name, else its short form. */
  String label(String address) {
    try {
      Address a = Address.parse(address);
      return book == null ? AddressBook.shortForm(a) : book.label(a);
    } catch (FormatException e) {
      return address.substring(0, 8) + "…" + address.substring(address.length() - 4);
    }
  }

  private static String code(ServerOutcome o) {
    if (o.reason() == null) {
      return "";
    }
    return " (" + o.reason() + (o.httpStatus() > 0 && o.kind() != ServerOutcome.Kind.DENIED
        ? ", HTTP " + o.httpStatus() : "") + ")";
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }
}
