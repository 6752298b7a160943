package io.cachet.bench.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.BlobId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak's record files and reader keys, as the soak writes them and the checker reads them. */
class RecordFilesTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  private static PutRecord put() {
    byte[] id = new byte[32];
    byte[] sha = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(sha);
    return new PutRecord(BlobId.of(id), 1024, 1600, sha, 12, PolicyId.random(RANDOM), "reader-1", 1_800_000_000_000L);
  }

  private static TxRecord tx(boolean withDigest) {
    byte[] digest = new byte[withDigest ? 32 : 0];
    RANDOM.nextBytes(digest);
    return new TxRecord(Identity.generate(RANDOM).address(), 17, digest, withDigest ? 230 : -1, "grant",
        1_800_000_000_000L);
  }

  @Test
  void putAndTxRecords_readBackAsWritten() throws Exception {
    PutRecord p = put();
    TxRecord t = tx(true);
    TxRecord bare = tx(false);

    assertThat(PutRecord.fromJsonLine(p.toJsonLine())).isEqualTo(p);
    assertThat(TxRecord.fromJsonLine(t.toJsonLine())).isEqualTo(t);
    assertThat(TxRecord.fromJsonLine(bare.toJsonLine())).isEqualTo(bare);
    assertThat(p.toJsonLine()).startsWith("{\"format\":\"cachet-check-put/1\"").doesNotContain("\n");
  }

  @Test
  void recordOfAnotherFormatVersion_isRefusedNamingIt() {
    String line = put().toJsonLine().replace("cachet-check-put/1", "cachet-check-put/2");

    assertThatThrownBy(() -> PutRecord.fromJsonLine(line)).isInstanceOf(FormatException.class)
        .hasMessageContaining("cachet-check-put/2").hasMessageContaining("cachet-check-put/1");
    assertThatThrownBy(() -> TxRecord.fromJsonLine(put().toJsonLine())).isInstanceOf(FormatException.class)
        .hasMessageContaining("cachet-check-tx/1");
  }

  @Test
  void tornLastLine_isLeftOutAndSaid_butABadLineBeforeItFailsTheRead() throws Exception {
    String a = tx(true).toJsonLine();
    String b = tx(false).toJsonLine();
    Path torn = Files.writeString(dir.resolve("torn.jsonl"), a + "\n" + b + "\n" + b.substring(0, 20));
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), a + "\n" + b.substring(0, 20) + "\n" + b + "\n");

    JsonLines.Read<TxRecord> read = TxRecord.readAll(torn);

    assertThat(read.records()).hasSize(2);
    assertThat(read.tornLastLine()).isTrue();
    assertThatThrownBy(() -> TxRecord.readAll(bad)).isInstanceOf(IOException.class).hasMessageContaining("line 2");
  }

  @Test
  void readerKey_readsBackAsTheSameIdentity_privateToItsOwner() throws Exception {
    Path keys = dir.resolve("readers");
    Identity made = ReaderKeys.create(keys, "reader-1", RANDOM);

    Identity loaded = ReaderKeys.load(keys, "reader-1");

    assertThat(loaded.address()).isEqualTo(made.address());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("reader-1.seed"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys))).isEqualTo("rwx------");
  }

  @Test
  void readerKey_readableByOthers_isRefused() throws Exception {
    Path keys = dir.resolve("readers");
    ReaderKeys.create(keys, "reader-2", RANDOM);
    Files.setPosixFilePermissions(keys.resolve("reader-2.seed"), PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> ReaderKeys.load(keys, "reader-2")).isInstanceOf(IOException.class)
        .hasMessageContaining("readable or writable by others");
  }

  @Test
  void readerName_withAPathInIt_isRefused() {
    assertThatThrownBy(() -> ReaderKeys.load(dir, "../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    String line = put().toJsonLine().replace("reader-1", "Reader/1");
    assertThatThrownBy(() -> PutRecord.fromJsonLine(line)).isInstanceOf(FormatException.class);
  }
}
