package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeysTest {
  @TempDir
  Path dir;

  @Test
  void loadOrCreate_writesAnOwnerOnlySeed_andLoadsTheSameKeyAgain() throws Exception {
    Path data = dir.resolve("a/b");
    NodeKey created = NodeKeys.loadOrCreate(data);
    Path file = data.resolve(NodeKeys.KEY_FILE);
    assertThat(Files.size(file)).isEqualTo(32);
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    assertThat(data.resolve(NodeKeys.KEY_FILE + ".tmp")).doesNotExist();
    assertThat(NodeKeys.loadOrCreate(data).publicKey()).isEqualTo(created.publicKey());
    assertThat(NodeKeys.load(data).publicKey()).isEqualTo(created.publicKey());
    assertThat(created.toString()).doesNotContain(java.util.HexFormat.of().formatHex(created.seed()));
  }

  @Test
  void load_ofAMissingOrWrongSizedFile_failsNamingIt() throws Exception {
    assertThatThrownBy(() -> NodeKeys.load(dir)).isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(NodeKeys.KEY_FILE);
    Files.write(dir.resolve(NodeKeys.KEY_FILE), new byte[31]);
    assertThatThrownBy(() -> NodeKeys.load(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve(NodeKeys.KEY_FILE).toString()).hasMessageContaining("31 bytes");
    assertThatThrownBy(() -> NodeKeys.loadOrCreate(dir)).isInstanceOf(IOException.class);
  }
}
