package io.cachet.client.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.FormatException;
import java.nio.charset.StandardCharsets;

/**
 * The network descriptor ({@code cachet-network.json}) as a client reads it: a file a reader was
 * handed, or the inside of a share token. Anything accepted must be a usable configuration (every
 * accessor answers, the threshold fits the servers). Seeds: {@code NetworkDescriptorFuzzTestInputs/}.
 */
class NetworkDescriptorFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void parse_anyText_givesConfigOrFormatException(byte[] input) throws Exception {
    ClientConfig config;
    try {
      config = ClientConfig.parse(new String(input, StandardCharsets.UTF_8));
    } catch (FormatException refused) {
      return;
    }
    assertThat(config.threshold()).isBetween(1, config.keyServers().size());
    assertThat(config.keyServers().size()).isLessThanOrEqualTo(ClientConfig.MAX_KEY_SERVERS);
    assertThat(config.publisher()).isNotNull();
    assertThat(config.aggregator()).isNotNull();
    assertThat(config.chainWhere()).isNotNull();
    if (!config.chain().isEvm()) {
      assertThat(config.ledgerUrl()).isNotNull();
      assertThat(config.sequencerKey()).isNotNull();
    }
    assertThat(config.toString()).isNotNull();
  }
}
