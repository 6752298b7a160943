package io.cachet.crypto;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What an owner decides when sealing: the ledger and policy the data key is bound to, the
 * threshold, and the key servers in slot order (slot i is {@code keyServers.get(i - 1)}).
 * Checked when built: a bad setting fails here, not halfway through a seal.
 */
public record SealParameters(String ledgerId, PolicyId policyId, int threshold, List<KeyServerKey> keyServers) {
  public SealParameters {
    Names.check(ledgerId, "ledgerId");
    Objects.requireNonNull(policyId, "policyId");
    keyServers = List.copyOf(keyServers);
    Shamir.checkThreshold(threshold, keyServers.size());
    if (new HashSet<>(keyServers.stream().map(KeyServerKey::id).toList()).size() != keyServers.size()) {
      throw new IllegalArgumentException("key server ids must be distinct");
    }
  }
}
