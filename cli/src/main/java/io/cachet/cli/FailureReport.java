package io.cachet.cli;

import io.cachet.cli.contact.AddressBook;
import io.cachet.client.AccessRefusedException;
import io.cachet.client.KeyServersUnavailableException;
import io.cachet.client.ServerOutcome;
import io.cachet.client.Unreachable;
import io.cachet.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * What a command that failed on the network tells the person: which part (the ledger, the EVM RPC,
 * key server ks-2, the publisher, the aggregator), where ({@code host:port}, never a URL, whose path
 * may hold a key), and what to do next; and for a key fetch or sealing, one line per key server
 * ({@link RefusalReport}). Other failures are not its business ({@link #of} is empty).
 *
 * @param exit the exit code: 3 for a refusal, 4 for a part that cannot be reached or answer
 * @param reason the stable reason code: the first refusal's, {@code UNREACHABLE}, the storage's
 * @param message what happened, one sentence
 * @param hint what to do, or null
 * @param details the lines under the first, one per key server (empty if none were asked)
 * @param servers the key servers' outcomes, for the {@code servers} array of a {@code --json} error
 */
record FailureReport(int exit, String reason, String message, String hint, List<String> details,
    List<ServerOutcome> servers) {

  /** What a person can do about a policy's refusal, by the first refusal's reason. */
  private static final Map<String, String> REFUSAL_HINTS = Map.of(
      "NOT_A_MEMBER", "Ask the policy's owner to grant you: 'cachet policy grant %s ADDRESS' ('cachet id list' shows"
          + " your address)",
      "EXPIRED", "Your grant's window has ended: ask the policy's owner for a new one ('cachet policy show %s')",
      "NOT_YET_VALID", "Your grant's window has not begun: 'cachet policy show %s' shows when it does",
      "LOCKED", "The time lock is still closed: 'cachet policy show %s' shows when it opens",
      "NOT_A_HOLDER", "The policy asks for a token you do not hold: 'cachet policy show %s' names it");

  /** The report for {@code e}, if it is a refusal or a network failure this class words. */
  static Optional<FailureReport> of(Throwable e, CommandLine failed) {
    AccessRefusedException refused = find(e, AccessRefusedException.class);
    if (refused != null) {
      return Optional.of(refusal(refused, book(failed), actingAs(failed)));
    }
    KeyServersUnavailableException unavailable = find(e, KeyServersUnavailableException.class);
    if (unavailable != null) {
      return Optional.of(keyServersDown(unavailable, FailureContext.of(failed), book(failed)));
    }
    StorageException storage = find(e, StorageException.class);
    Optional<Unreachable> unreachable = Unreachable.in(e);
    if (storage != null && (unreachable.isPresent() || isUnreachable(storage))) {
      return Optional.of(storageDown(storage, unreachable.orElse(null), FailureContext.of(failed)));
    }
    // only a command that talks to a network descriptor's parts: the devnet's own commands say their own words
    if (connection(failed) == null) {
      return Optional.empty();
    }
    return unreachable.map(u -> partDown(u, FailureContext.of(failed)));
  }

  private static FailureReport refusal(AccessRefusedException e, AddressBook book, String who) {
    List<ServerOutcome> outcomes = e.outcomes();
    long denied = outcomes.stream().filter(o -> o.kind() == ServerOutcome.Kind.DENIED).count();
    RefusalReport words = new RefusalReport(book);
    String policy = e.policy().toString();
    String message = (who == null ? "access" : who + "'s access") + " to policy " + words.label(policy)
        + " refused by " + denied + " of " + outcomes.size() + " key servers, " + e.threshold() + " needed";
    String hint = REFUSAL_HINTS.containsKey(e.reason()) ? REFUSAL_HINTS.get(e.reason()).formatted(policy) : null;
    return new FailureReport(ExitCodes.REFUSED, e.reason(), message, hint, words.lines(outcomes), outcomes);
  }

  private static FailureReport keyServersDown(KeyServersUnavailableException e, FailureContext where,
      AddressBook book) {
    List<ServerOutcome> outcomes = e.outcomes();
    List<String> unreachable = outcomes.stream()
        .filter(o -> Unreachable.REASON.equals(o.reason())).map(ServerOutcome::serverId).toList();
    long released = outcomes.stream().filter(o -> o.kind() == ServerOutcome.Kind.RELEASED).count();
    boolean sealing = e.forSealing();
    String message = sealing
        ? "sealing needs the key of each of the " + e.servers() + " key servers, and " + names(outcomes.stream()
            .map(ServerOutcome::serverId).toList()) + " could not give it"
        : "only " + released + " of " + e.servers() + " key servers released a share, " + e.needed() + " needed";
    String hint = unreachable.isEmpty() ? null : where.remedy(unreachable.size() == 1 ? "key server "
        + unreachable.get(0) : "key servers " + names(unreachable), unreachable.size() == 1 ? unreachable.get(0) : null);
    String reason = unreachable.isEmpty() ? "KEY_SERVERS_UNAVAILABLE" : Unreachable.REASON;
    return new FailureReport(ExitCodes.IO, reason, message, hint, new RefusalReport(book).lines(outcomes), outcomes);
  }

  private static FailureReport storageDown(StorageException e, Unreachable u, FailureContext where) {
    String text = e.getMessage() == null ? "" : e.getMessage();
    List<String> parts = u == null ? List.of() : where.partsAt(u.where());
    String part;
    if (text.contains("aggregator") || !text.contains("publisher") && text.startsWith("read")) {
      part = "the aggregator";
    } else if (text.contains("publisher") || text.startsWith("store")) {
      part = "the publisher";
    } else {
      part = parts.isEmpty() ? "the storage network" : names(parts);
    }
    String at = u != null && u.where() != null ? u.where() : where.whereOf(part);
    String how = u != null ? u.how().words() : "no answer";
    String message = "cannot reach " + part + (at == null ? "" : " at " + at) + " (" + how + ")";
    return new FailureReport(ExitCodes.IO, Unreachable.REASON, message, where.remedy(part, null), List.of(),
        List.of());
  }

  private static FailureReport partDown(Unreachable u, FailureContext where) {
    List<String> parts = where.partsAt(u.where());
    String part = parts.isEmpty() ? null : names(parts);
    String message = "cannot reach " + (part == null ? "" : part + " at ") + (u.where() == null ? "the network"
        : u.where()) + " (" + u.how().words() + ")";
    String devnetPart = parts.size() != 1 ? null : switch (parts.get(0)) {
      case "the ledger" -> "ledger";
      case "the EVM RPC" -> "anvil";
      default -> parts.get(0).startsWith("key server ") ? parts.get(0).substring("key server ".length()) : null;
    };
    return new FailureReport(ExitCodes.IO, Unreachable.REASON, message,
        where.remedy(part == null ? "the part at " + u.where() : part, devnetPart), List.of(), List.of());
  }

  /**
   * A storage failure whose connection could not be made, by the storage client's own code (a
   * timeout or a cut answer is not: its message says what happened, retrying may fix it).
   */
  private static boolean isUnreachable(StorageException e) {
    return e.reason() != null && e.reason().name().equals(Unreachable.REASON);
  }

  /** "a", "a and b", "a, b and c". */
  static String names(List<String> items) {
    if (items.size() <= 1) {
      return items.isEmpty() ? "" : items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /** The person's identities and contacts, or null if they cannot be read (names are a nicety here). */
  private static AddressBook book(CommandLine failed) {
    Connection c = connection(failed);
    try {
      return c == null ? null : c.home.addressBook();
    } catch (Exception e) {
      return null;
    }
  }

  /** The name of the identity the command acted as, or null. */
  private static String actingAs(CommandLine failed) {
    Connection c = connection(failed);
    try {
      return c == null ? null : c.identityName();
    } catch (Exception e) {
      return null;
    }
  }

  /** The command's {@link Connection} mixin, or null if it has none. */
  static Connection connection(CommandLine failed) {
    for (var mixin : failed.getCommandSpec().mixins().values()) {
      if (mixin.userObject() instanceof Connection c) {
        return c;
      }
    }
    return null;
  }

  /** All lines for stderr: the first with {@code cachet: } and the hint, then the details. */
  List<String> stderrLines() {
    List<String> out = new ArrayList<>();
    out.add("cachet: " + message + (hint == null ? "" : ". " + hint));
    out.addAll(details);
    return out;
  }
}
