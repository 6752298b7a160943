package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import java.util.List;

/**
 * Fewer than the threshold of key servers released a share, and at least one refused on policy
 * grounds (not a member, outside the window, still locked, revoked). The message names every
 * server's answer; {@link #outcomes} has them one by one. The reason is the first refusal's.
 */
public final class AccessRefusedException extends CachetSecurityException {
  private final PolicyId policy;
  private final List<ServerOutcome> outcomes;

  AccessRefusedException(PolicyId policy, int threshold, List<ServerOutcome> outcomes) {
    super(firstDenial(outcomes), "access to policy " + policy + " refused: " + threshold
        + " key servers must release a share and fewer can. " + KeyServersUnavailableException.list(outcomes));
    this.policy = policy;
    this.outcomes = List.copyOf(outcomes);
  }

  private static String firstDenial(List<ServerOutcome> outcomes) {
    return outcomes.stream().filter(o -> o.kind() == ServerOutcome.Kind.DENIED).map(ServerOutcome::reason)
        .findFirst().orElse("ACCESS_REFUSED");
  }

  public PolicyId policy() {
    return policy;
  }

  public List<ServerOutcome> outcomes() {
    return outcomes;
  }
}
