package io.cachet.bench;

import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.KeyServerKey;
import java.util.ArrayList;
import java.util.List;

/** A set of key servers with freshly generated HPKE keys: the private pairs and what an encryptor names. */
record BenchKeyServers(List<HpkeKeyPair> pairs, List<KeyServerKey> keys) {
  static BenchKeyServers generate(int n) {
    List<HpkeKeyPair> pairs = new ArrayList<>();
    List<KeyServerKey> keys = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      HpkeKeyPair pair = HpkeKeyPair.generate();
      pairs.add(pair);
      keys.add(new KeyServerKey("ks-" + i, pair.publicKey()));
    }
    return new BenchKeyServers(List.copyOf(pairs), List.copyOf(keys));
  }
}
