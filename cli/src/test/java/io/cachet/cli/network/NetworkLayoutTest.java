package io.cachet.cli.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files {@link NetworkLayout} makes. A layout's parts run as processes and serve clients in
 * {@code ProcessDevnetTest} (the devnet of processes is a layout) and in the chaos soak's short run.
 */
class NetworkLayoutTest {
  @TempDir
  Path tmp;

  @Test
  void layout_secretsOwnerOnly_frontsNamedInUrls() throws Exception {
    NetworkLayout layout = NetworkLayout.create(tmp.resolve("net"), NetworkLayout.Shape.small(),
        Map.of("ledger", 1111, "node-1", 2222));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.dir().resolve("secrets/ks-1.pass"))))
        .isEqualTo("rw-------");
    assertThat(layout.part("ledger").url()).isEqualTo("http://127.0.0.1:1111");
    assertThat(Files.readString(layout.part("ks-1").config())).contains("ledger-url = http://127.0.0.1:1111")
        .as("a random passphrase beside the key file needs no stretching")
        .contains("kdf-memory = 8192").contains("kdf-iterations = 1");
    assertThat(Files.readString(layout.storageNetwork())).contains("http://127.0.0.1:2222");
    assertThat(Files.readString(layout.part("node-1").config())).contains("port = " + layout.part("node-1").port());
    assertThat(layout.part("node-0").url()).isEqualTo(layout.part("node-0").directUrl());
    assertThat(Files.readString(layout.ledgerLines())).contains("genesis-digest = " + layout.genesisDigest());
    NetworkLayout again = NetworkLayout.open(layout.dir());
    assertThat(again.parts()).isEqualTo(layout.parts());
    assertThat(again.auditLog("ks-2")).isEqualTo(layout.part("ks-2").dataDir().resolve("audit.log"));
  }

  @Test
  void create_intoADirectoryThatHoldsFiles_refused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(dir.resolve("x"), "x");
    assertThatThrownBy(() -> NetworkLayout.create(dir, NetworkLayout.Shape.small(), Map.of()))
        .hasMessageContaining("not empty");
    assertThatThrownBy(() -> NetworkLayout.create(tmp.resolve("other"), NetworkLayout.Shape.small(),
        Map.of("ks-9", 1))).hasMessageContaining("ks-9");
  }
}
