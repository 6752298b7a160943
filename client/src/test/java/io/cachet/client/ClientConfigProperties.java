package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import java.net.URI;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** {@link ClientConfig#toJson} is what {@link ClientConfig#parse} reads: a written descriptor reads back the same. */
class ClientConfigProperties {
  @Property(tries = 200)
  void toJson_parsesBackToTheSameDescriptor(@ForAll @IntRange(min = 1, max = 8) int servers, @ForAll("seed") long seed,
      @ForAll boolean pinGenesis, @ForAll boolean evm, @ForAll @IntRange(min = 1, max = 60) int epochs)
      throws FormatException {
    java.util.Random random = new java.util.Random(seed);
    ClientConfig.Builder b = ClientConfig.builder()
        .threshold(1 + random.nextInt(servers))
        .storage(URI.create("http://gw-" + random.nextInt(1000) + ".example:7500"),
            URI.create("https://agg.example:" + (1 + random.nextInt(65535))))
        .defaultEpochs(epochs);
    if (evm) {
      b.chain(ChainDescriptor.evm(URI.create("http://127.0.0.1:8545"), 1 + random.nextInt(100_000), random.nextInt(10),
          Address.ofEvm(bytes(random, 20)), Address.ofEvm(bytes(random, 20))));
    } else {
      b.ledger(URI.create("http://ledger.example:" + (1 + random.nextInt(65535))), "net-" + random.nextInt(99),
          key(random));
      if (pinGenesis) {
        b.genesisDigest(bytes(random, 32));
      }
    }
    for (int i = 1; i <= servers; i++) {
      b.keyServer("ks-" + i, URI.create("http://10.0.0." + i + ":7400"), key(random));
    }
    ClientConfig written = b.build();
    ClientConfig read = ClientConfig.parse(written.toJson());
    assertThat(read.toJson()).isEqualTo(written.toJson());
    assertThat(read.threshold()).isEqualTo(written.threshold());
    assertThat(read.keyServers()).isEqualTo(written.keyServers());
    assertThat(read.genesisDigest()).isEqualTo(written.genesisDigest());
    assertThat(read.chain().isEvm()).isEqualTo(evm);
  }

  @Provide
  Arbitrary<Long> seed() {
    return Arbitraries.longs();
  }

  private static byte[] bytes(java.util.Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static VerifyingKey key(java.util.Random random) {
    return io.cachet.crypto.Identity.fromSeed(bytes(random, 32)).verifyingKey();
  }
}
