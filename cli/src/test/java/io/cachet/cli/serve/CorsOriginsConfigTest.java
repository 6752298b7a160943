package io.cachet.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.CommandRun;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
import io.cachet.storage.local.LocalNetwork;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cors-origins} in the gateway's and the ledger's configuration: read, printed and refused as their other keys. */
class CorsOriginsConfigTest {
  @TempDir Path tmp;

  private static final String LEDGER = String.join("\n", "ledger-id = test-ledger", "data-dir = /tmp/data",
      "passphrase-env = LEDGER_PASS", "");

  @Test
  void gateway_printsItsOrigins_andRefusesAWildcardAtCheck() throws Exception {
    int[] ports = LocalNetwork.freePorts(5);
    Path kit = StorageProcesses.initKit(tmp, new int[] {ports[0], ports[1], ports[2], ports[3]}, ports[4]);
    CommandRun printed = CommandRun.in(kit.resolve("gateway"), Map.of("CACHET_GATEWAY_CORS_ORIGINS",
        "http://127.0.0.1:7700, https://app.example.org:443"), "gateway", "serve", "--config", "gateway.conf",
        "--print-config");
    assertThat(printed.exit()).as(printed.err()).isZero();
    assertThat(printed.out()).contains("\ncors-origins = http://127.0.0.1:7700,https://app.example.org\n");
    CommandRun dflt = CommandRun.in(kit.resolve("gateway"), Map.of(), "gateway", "serve", "--config",
        "gateway.conf", "--print-config");
    assertThat(dflt.out()).contains("\ncors-origins = \n");
    CommandRun wildcard = CommandRun.in(kit.resolve("gateway"), Map.of(), "gateway", "serve", "--config",
        "gateway.conf", "--check", "--set", "cors-origins=*");
    assertThat(wildcard.exit()).isEqualTo(2);
    assertThat(wildcard.err()).contains("cors-origins (from --set cors-origins)").contains("'*'");
  }

  @Test
  void ledger_readsItsOrigins_andRefusesOneWithAPath_namingTheLine() {
    LedgerSettings s = LedgerSettings.from(Settings.parse(LedgerSettings.PART, LedgerSettings.KEYS,
        LEDGER + "cors-origins = http://127.0.0.1:7700\n", "ledger.conf"));
    assertThat(s.cors().origins()).containsExactly("http://127.0.0.1:7700");
    assertThat(s.values()).containsEntry("cors-origins", "http://127.0.0.1:7700");
    assertThat(LedgerSettings.from(Settings.parse(LedgerSettings.PART, LedgerSettings.KEYS, LEDGER, "ledger.conf"))
        .cors().enabled()).isFalse();
    assertThatThrownBy(() -> LedgerSettings.from(Settings.parse(LedgerSettings.PART, LedgerSettings.KEYS,
        LEDGER + "cors-origins = http://127.0.0.1:7700/viewer\n", "ledger.conf")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cors-origins (from ledger.conf line 4)")
        .hasMessageContaining("http://127.0.0.1:7700/viewer");
  }
}
