package io.cachet.client;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Fewer than the threshold of key servers can answer: they are down, unreachable, overloaded, their
 * ledger view is stale, or what they sent did not verify. No policy refused. The message names every
 * server's answer.
 */
public final class KeyServersUnavailableException extends IOException {
  private final List<ServerOutcome> outcomes;

  KeyServersUnavailableException(int threshold, List<ServerOutcome> outcomes) {
    this(threshold + " key servers must release a share and fewer can answer", outcomes);
  }

  KeyServersUnavailableException(String what, List<ServerOutcome> outcomes) {
    super(what + ". " + list(outcomes));
    this.outcomes = List.copyOf(outcomes);
  }

  public List<ServerOutcome> outcomes() {
    return outcomes;
  }

  static String list(List<ServerOutcome> outcomes) {
    return outcomes.stream().map(ServerOutcome::toString).collect(Collectors.joining("; "));
  }
}
