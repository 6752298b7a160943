package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The chain = evm keys: required ones, defaults, the embedded ledger's keys refused, a round trip. */
class KeyServerEvmConfigTest {
  private static final String EVM = """
      server-id = ks-1
      data-dir = /var/lib/cachet/ks-1
      chain = evm
      evm-rpc-url = http://127.0.0.1:8545
      evm-chain-id = 31337
      """;

  @Test
  void evmChain_needsOnlyItsRpcAndChainId_andHasDefaults() {
    KeyServerConfig c = KeyServerConfig.parse(EVM, "ks.conf");
    assertThat(c.chain()).isEqualTo("evm");
    assertThat(c.ledgerUrl()).isNull();
    assertThat(c.evm().rpcUrl()).isEqualTo(URI.create("http://127.0.0.1:8545"));
    assertThat(c.evm().chainId()).isEqualTo(31337);
    assertThat(c.evm().confirmations()).isZero();
    assertThat(c.evm().pollInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.evm().secondRpcUrl()).isNull();
    assertThat(c.workerThreads()).as("RPC waits overlap on more workers than cores")
        .isGreaterThanOrEqualTo(8).isGreaterThanOrEqualTo(4 * Runtime.getRuntime().availableProcessors());
  }

  @Test
  void evmChain_renderThenParse_givesTheSameConfig() {
    KeyServerConfig c = KeyServerConfig.parse(EVM + "evm-confirmations = 2\nevm-poll-interval = 500ms\n"
        + "evm-rpc-url-2 = https://rpc.example.org:8545\nstaleness-bound = 30s\n", "ks.conf");
    assertThat(KeyServerConfig.parse(c.render(), "rendered")).isEqualTo(c);
    assertThat(c.render()).doesNotContain("ledger-url", "sequencer-key", "ledger-poll-wait");
    assertThat(c.evm().confirmations()).isEqualTo(2);
    assertThat(c.evm().secondRpcUrl()).isEqualTo(URI.create("https://rpc.example.org:8545"));
  }

  @Test
  void evmChain_refusesTheEmbeddedLedgersKeys_namingThem() {
    for (String key : KeyServerEvmConfig.EMBEDDED_ONLY) {
      assertThatThrownBy(() -> KeyServerConfig.parse(EVM + key + " = x\n", "ks.conf"))
          .isInstanceOf(ConfigException.class).hasMessageContaining(key).hasMessageContaining("chain = evm");
    }
  }

  @Test
  void stalenessBound_notAboveConfirmationsTimesBlockTimePlusPoll_refusesToStart_namingWhatToRaise() {
    // 10 x 12s + 250ms = 120.25s: the default 2m bound would refuse every release
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM + "evm-confirmations = 10\n", "k"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("staleness-bound 2m")
        .hasMessageContaining("raise staleness-bound or lower evm-confirmations");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM + "evm-confirmations = 2\nevm-block-time = 2s\n"
        + "staleness-bound = 4250ms\n", "k")).isInstanceOf(ConfigException.class).hasMessageContaining("(4250ms)");
    KeyServerConfig ok = KeyServerConfig.parse(EVM + "evm-confirmations = 2\nevm-block-time = 2s\n"
        + "staleness-bound = 5s\n", "k");
    assertThat(ok.evm().blockTime()).isEqualTo(Duration.ofSeconds(2));
    assertThat(KeyServerConfig.parse(ok.render(), "rendered")).isEqualTo(ok);
    assertThat(KeyServerConfig.parse(EVM, "k").evm().blockTime()).isEqualTo(KeyServerEvmConfig.DEFAULT_BLOCK_TIME);
  }

  @Test
  void ledgerClockTolerance_appliesToEvmToo_withTheSameBound() {
    KeyServerConfig c = KeyServerConfig.parse(EVM + "ledger-clock-tolerance = 2s\n", "k");
    assertThat(c.ledgerClockTolerance()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.evm().ledgerConfig(java.time.Clock.systemUTC(), c.ledgerClockTolerance()).clockTolerance())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(KeyServerConfig.parse(c.render(), "rendered")).isEqualTo(c);
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM + "ledger-clock-tolerance = 61s\n", "k"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ledger-clock-tolerance must be 0ms to 1m");
  }

  @Test
  void evmChain_withoutRpcOrChainId_namesTheMissingKey() {
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM.replace("evm-rpc-url = http://127.0.0.1:8545\n", ""), "k"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("evm-rpc-url is required");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM.replace("evm-chain-id = 31337\n", ""), "k"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("evm-chain-id is required");
  }

  @Test
  void evmKeys_badValues_nameTheKey() {
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM + "evm-confirmations = -1\n", "k"))
        .hasMessageContaining("evm-confirmations");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM.replace("31337", "0"), "k"))
        .hasMessageContaining("evm-chain-id");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM.replace("http://127.0.0.1:8545", "ftp://x"), "k"))
        .hasMessageContaining("evm-rpc-url");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM + "evm-rpc-url-2 = nope\n", "k"))
        .hasMessageContaining("evm-rpc-url-2");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM + "evm-poll-interval = 1h\n", "k"))
        .hasMessageContaining("evm-poll-interval");
    assertThatThrownBy(() -> KeyServerConfig.parse(EVM.replace("chain = evm", "chain = solana"), "k"))
        .hasMessageContaining("chain (from k line 3) must be embedded or evm");
  }

  @Test
  void embeddedChain_refusesEvmKeys() {
    String embedded = """
        server-id = ks-1
        data-dir = /d
        ledger-url = http://127.0.0.1:7300
        ledger-id = cachet-devnet
        sequencer-key = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        evm-chain-id = 1
        """;
    assertThatThrownBy(() -> KeyServerConfig.parse(embedded, "k")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("evm-chain-id (from k line 6) is for chain = evm");
  }
}
