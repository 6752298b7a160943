package io.cachet.common.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A part refuses an unsafe or broken configuration before it starts, naming the key. */
class StartupChecksTest {
  @TempDir Path dir;

  @Test
  void keyFileReadableByOthers_isRefused_withTheModeAndTheRemedy() throws Exception {
    Path key = Files.writeString(dir.resolve("sequencer.key"), "secret");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> StartupChecks.privateFile(key, "sequencer-keystore"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sequencer-keystore")
        .hasMessageContaining("rw-r--r--").hasMessageContaining("chmod 600 " + key);

    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    assertThatCode(() -> StartupChecks.privateFile(key, "sequencer-keystore")).doesNotThrowAnyException();
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
    assertThatCode(() -> StartupChecks.privateFile(key, "sequencer-keystore")).doesNotThrowAnyException();
  }

  @Test
  void keyFileGroupWritable_orMissing_isRefused() throws Exception {
    Path key = Files.writeString(dir.resolve("publisher.key"), "secret");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw--w----"));
    assertThatThrownBy(() -> StartupChecks.privateFile(key, "publisher-key")).hasMessageContaining("open to others");
    assertThatThrownBy(() -> StartupChecks.privateFile(dir.resolve("nope"), "publisher-key"))
        .hasMessageContaining("publisher-key").hasMessageContaining("does not exist");
  }

  @Test
  void missingDirectory_isRefused_notCreated() {
    Path missing = dir.resolve("node-3");
    assertThatThrownBy(() -> StartupChecks.directory(missing, "data-dir")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("data-dir").hasMessageContaining("does not exist");
    org.assertj.core.api.Assertions.assertThat(missing).doesNotExist();
    assertThatCode(() -> StartupChecks.directory(dir, "data-dir")).doesNotThrowAnyException();
  }

  @Test
  void portInUse_isRefused_namingTheKey() throws Exception {
    try (ServerSocket held = new ServerSocket()) {
      held.bind(new InetSocketAddress("127.0.0.1", 0));
      assertThatThrownBy(() -> StartupChecks.portFree("127.0.0.1", held.getLocalPort(), "port"))
          .isInstanceOf(PortInUseException.class).hasMessageContaining("port: 127.0.0.1:" + held.getLocalPort())
          .hasMessageContaining("choose another port");
    }
    assertThatCode(() -> StartupChecks.portFree("127.0.0.1", 0, "port")).doesNotThrowAnyException();
  }
}
