package io.cachet.client;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Fewer than the threshold of key servers can answer: they are down, unreachable, overloaded, their
 * ledger view is stale, or what they sent did not verify. No policy refused. {@link #outcomes} has
 * the answers of the servers involved (for a fetch, every slot's; for sealing, those whose key could
 * not be had); {@link #servers} counts the servers of the question. The message names each answer.
 */
public final class KeyServersUnavailableException extends IOException {
  private final boolean forSealing;
  private final int needed;
  private final int servers;
  private final List<ServerOutcome> outcomes;

  KeyServersUnavailableException(int threshold, List<ServerOutcome> outcomes) {
    super(threshold + " of " + outcomes.size() + " key servers must release a share and only "
        + AccessRefusedException.count(outcomes, ServerOutcome.Kind.RELEASED) + " did: " + list(outcomes));
    this.forSealing = false;
    this.needed = threshold;
    this.servers = outcomes.size();
    this.outcomes = List.copyOf(outcomes);
  }

  /** Sealing: every one of {@code servers} is needed, and {@code outcomes} are the failures. */
  KeyServersUnavailableException(String what, int servers, List<ServerOutcome> outcomes) {
    super(what + ": " + list(outcomes));
    this.forSealing = true;
    this.needed = servers;
    this.servers = servers;
    this.outcomes = List.copyOf(outcomes);
  }

  public List<ServerOutcome> outcomes() {
    return outcomes;
  }

  /** Whether sealing failed (a key server's sealing key could not be had), rather than a key fetch. */
  public boolean forSealing() {
    return forSealing;
  }

  /** How many key servers had to answer: the threshold for a fetch, all of them for sealing. */
  public int needed() {
    return needed;
  }

  /** How many key servers the question went to. */
  public int servers() {
    return servers;
  }

  static String list(List<ServerOutcome> outcomes) {
    return outcomes.stream().map(ServerOutcome::toString).collect(Collectors.joining("; "));
  }
}
