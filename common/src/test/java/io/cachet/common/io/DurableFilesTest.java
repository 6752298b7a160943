package io.cachet.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
  @TempDir Path dir;

  @Test
  void write_replacesWholeFile_andLeavesNoTemporary() throws Exception {
    Path f = dir.resolve("a/b/state.json");
    DurableFiles.write(f, "one".getBytes(), false);
    DurableFiles.write(f, "two".getBytes(), false);
    assertThat(Files.readString(f)).isEqualTo("two");
    try (var list = Files.list(f.getParent())) {
      assertThat(list).containsExactly(f);
    }
  }

  @Test
  void write_ownerOnly_is0600() throws Exception {
    Path f = dir.resolve("secret");
    DurableFiles.write(f, new byte[] {1}, true);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
  }

  @Test
  void create_existing_throws() throws Exception {
    Path f = dir.resolve("once");
    DurableFiles.create(f, new byte[] {1}, false);
    assertThatThrownBy(() -> DurableFiles.create(f, new byte[] {2}, false)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readAllBytes(f)).containsExactly(1);
  }

  @Test
  void privateDirectory_is0700() throws Exception {
    Path d = DurableFiles.privateDirectory(dir.resolve("audit"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).isEqualTo("rwx------");
  }

  @Test
  void commit_movesWrittenFileIntoPlace() throws Exception {
    Path tmp = dir.resolve("x.part");
    Files.write(tmp, new byte[] {7, 8});
    Path target = dir.resolve("x");
    DurableFiles.commit(tmp, target);
    assertThat(Files.readAllBytes(target)).containsExactly(7, 8);
    assertThat(tmp).doesNotExist();
  }
}
