package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import java.util.List;

/**
 * Fewer than the threshold of key servers released a share, and at least one refused on policy
 * grounds (not a member, outside the window, still locked, revoked). {@link #outcomes} has every
 * server's answer, one per slot of the envelope (a server whose answer was not needed included);
 * the message counts them and names each. The reason is the first refusal's.
 */
public final class AccessRefusedException extends CachetSecurityException {
  private final PolicyId policy;
  private final int threshold;
  private final List<ServerOutcome> outcomes;

  AccessRefusedException(PolicyId policy, int threshold, List<ServerOutcome> outcomes) {
    super(firstDenial(outcomes), "access to policy " + policy + " refused by " + count(outcomes,
        ServerOutcome.Kind.DENIED) + " of " + outcomes.size() + " key servers, " + threshold + " needed: "
        + KeyServersUnavailableException.list(outcomes));
    this.policy = policy;
    this.threshold = threshold;
    this.outcomes = List.copyOf(outcomes);
  }

  private static String firstDenial(List<ServerOutcome> outcomes) {
    return outcomes.stream().filter(o -> o.kind() == ServerOutcome.Kind.DENIED).map(ServerOutcome::reason)
        .findFirst().orElse("ACCESS_REFUSED");
  }

  static long count(List<ServerOutcome> outcomes, ServerOutcome.Kind kind) {
    return outcomes.stream().filter(o -> o.kind() == kind).count();
  }

  public PolicyId policy() {
    return policy;
  }

  /** How many key servers must release a share for the key to be rebuilt. */
  public int threshold() {
    return threshold;
  }

  public List<ServerOutcome> outcomes() {
    return outcomes;
  }
}
