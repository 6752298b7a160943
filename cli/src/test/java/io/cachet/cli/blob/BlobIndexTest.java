package io.cachet.cli.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobIndexTest {
  @TempDir Path home;

  static BlobEntry entry(String id, long end) {
    return new BlobEntry(id, "0x01", "a.txt", 26, 600, "0xabcd", "cachet-devnet", "cachet-devnet",
        "http://127.0.0.1:1", List.of("ks-1", "ks-2", "ks-3"), 2, Instant.parse("2026-12-07T10:00:00Z"), end, true,
        "alice", "0x02");
  }

  static String id(char c) {
    return String.valueOf(c).repeat(43);
  }

  @Test
  void record_thenList_roundTrips_privately() throws Exception {
    BlobIndex index = new BlobIndex(home);
    index.record(entry(id('a'), 5));
    index.record(entry(id('a'), 7));
    BlobIndex.Listing l = index.list();
    assertThat(l.problems()).isEmpty();
    assertThat(l.entries()).containsExactly(entry(id('a'), 7));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(index.directory()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(index.directory().resolve(id('a')
        + ".json")))).isEqualTo("rw-------");
  }

  @Test
  void list_withTornWrongFormatAndMisnamedEntries_reportsEach_andKeepsTheGoodOnes() throws Exception {
    BlobIndex index = new BlobIndex(home);
    index.record(entry(id('a'), 5));
    Path dir = index.directory();
    Files.writeString(dir.resolve(id('b') + ".json"), "{\"format\":\"cachet-blob/1\",\"blo");
    Files.writeString(dir.resolve(id('c') + ".json"), entry(id('c'), 5).toJson().put("format", "cachet-blob/9")
        .toString());
    Files.writeString(dir.resolve(id('d') + ".json"), entry(id('e'), 5).toJson().toString());
    Files.writeString(dir.resolve("." + id('f') + ".json.tmp"), "half a wri");
    BlobIndex.Listing l = index.list();
    assertThat(l.entries()).containsExactly(entry(id('a'), 5));
    assertThat(l.problems()).extracting(BlobIndex.Problem::what).satisfiesExactly(
        w -> assertThat(w).contains("not valid JSON"),
        w -> assertThat(w).contains("cachet-blob/9").contains("is not cachet-blob/1"),
        w -> assertThat(w).contains("names blob " + id('e')));
    assertThat(index.find(id('b'))).isEmpty();
  }

  @Test
  void forget_removesOnlyThatEntry() throws Exception {
    BlobIndex index = new BlobIndex(home);
    index.record(entry(id('a'), 5));
    index.record(entry(id('b'), 5));
    assertThat(index.forget(id('a'))).isTrue();
    assertThat(index.forget(id('a'))).isFalse();
    assertThat(index.list().entries()).extracting(BlobEntry::blobId).containsExactly(id('b'));
  }

  @Test
  void list_ofAnAbsentIndex_isEmpty() throws Exception {
    assertThat(new BlobIndex(home).list().entries()).isEmpty();
  }
}
