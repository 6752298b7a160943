package io.cachet.crypto;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** Fixtures shared by the tests: a set of key servers with real, freshly generated HPKE keys. */
public final class TestKeys {
  public static final SecureRandom RANDOM = new SecureRandom();
  public static final String LEDGER = "cachet-test";

  public final List<HpkeKeyPair> serverKeys = new ArrayList<>();
  public final List<KeyServerKey> servers = new ArrayList<>();

  public TestKeys(int n) {
    for (int i = 1; i <= n; i++) {
      HpkeKeyPair k = HpkeKeyPair.generate();
      serverKeys.add(k);
      servers.add(new KeyServerKey("ks-" + i, k.publicKey()));
    }
  }

  public SealParameters params(PolicyId policy, int t) {
    return new SealParameters(LEDGER, policy, t, servers);
  }

  /** What key server {@code index} would hand back: its share, unsealed under the header's context. */
  public Share unseal(EnvelopeHeader header, int index) throws ShareUnsealException {
    return Envelope.unsealShare(header, index, serverKeys.get(index - 1));
  }
}
