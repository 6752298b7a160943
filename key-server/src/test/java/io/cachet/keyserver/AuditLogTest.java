package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import io.cachet.keyserver.audit.AuditLog.Problem.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's file, chain and recovery, with real bytes edited at chosen offsets. */
class AuditLogTest {
  private static final int HEADER = 8;
  private static final int RECORD_HEADER = 12;

  @TempDir Path dir;

  static AuditEvent event(int i) {
    java.util.Random r = new java.util.Random(i);
    byte[] policy = new byte[32];
    byte[] object = new byte[32];
    r.nextBytes(policy);
    r.nextBytes(object);
    boolean refused = i % 5 == 4;
    return new AuditEvent(1_700_000_000_000L + i, refused ? AuditEvent.Outcome.REFUSED
        : i % 2 == 0 ? AuditEvent.Outcome.RELEASED : AuditEvent.Outcome.DENIED,
        refused ? "REPLAYED_REQUEST" : i % 2 == 0 ? "ALLOWED" : "NOT_A_MEMBER", Hex.to0x(new byte[16]).substring(2),
        Address.of(new byte[32]), "127.0.0.1", refused ? null : PolicyId.of(policy),
        refused ? null : ObjectId.of(object), refused ? 0 : 1 + i % 3, i, 1_700_000_000_000L, "decision " + i);
  }

  private Path logWith(int n) throws Exception {
    Path file = dir.resolve("audit.log");
    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      for (int i = 0; i < n; i += 3) {
        List<AuditEvent> batch = new ArrayList<>();
        for (int j = i; j < Math.min(n, i + 3); j++) {
          batch.add(event(j));
        }
        log.append(batch).get(10, TimeUnit.SECONDS);
      }
    }
    return file;
  }

  /** Every entry of a log, read through its framing (for tests; the server never reads its log back). */
  static List<AuditEntry> entries(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    List<AuditEntry> out = new ArrayList<>();
    int at = HEADER;
    while (at + RECORD_HEADER <= all.length) {
      int len = ByteBuffer.wrap(all, at, 4).getInt();
      out.add(AuditEntry.decode(Arrays.copyOfRange(all, at + RECORD_HEADER, at + RECORD_HEADER + len)));
      at += RECORD_HEADER + len;
    }
    return out;
  }

  static int offsetOf(byte[] all, int record) {
    int at = HEADER;
    for (int i = 0; i < record; i++) {
      at += RECORD_HEADER + ByteBuffer.wrap(all, at, 4).getInt();
    }
    return at;
  }

  /** Recomputes a record's two CRCs, as a careful forger would. */
  static void fixCrcs(byte[] all, int offset) {
    ByteBuffer b = ByteBuffer.wrap(all);
    int len = b.getInt(offset);
    CRC32C crc = new CRC32C();
    crc.update(all, offset + RECORD_HEADER, len);
    b.putInt(offset + 4, (int) crc.getValue());
    crc.reset();
    crc.update(all, offset, 8);
    b.putInt(offset + 8, (int) crc.getValue());
  }

  /** Offset of the message text inside record {@code record}'s payload. */
  static int messageOffset(byte[] all, int record) {
    int at = offsetOf(all, record);
    int len = ByteBuffer.wrap(all, at, 4).getInt();
    String payload = new String(all, at + RECORD_HEADER, len, StandardCharsets.ISO_8859_1);
    return at + RECORD_HEADER + payload.indexOf("decision");
  }

  @Test
  void appendedEntries_formOneChain_acrossReopen() throws Exception {
    Path file = logWith(10);
    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.PERIODIC, Duration.ofMillis(50))) {
      assertThat(log.records()).isEqualTo(10);
      assertThat(log.append(List.of(event(10), event(11))).get(10, TimeUnit.SECONDS)).isEqualTo(11);
    }

    AuditLog.Verification v = AuditLog.verify(file);
    assertThat(v.ok()).isTrue();
    assertThat(v.records()).isEqualTo(12);
    List<AuditEntry> entries = entries(file);
    assertThat(entries).hasSize(12);
    assertThat(entries.get(0).previousHash()).isEqualTo(new byte[32]);
    for (int i = 1; i < entries.size(); i++) {
      assertThat(entries.get(i).sequence()).isEqualTo(i);
      assertThat(entries.get(i).previousHash()).isEqualTo(entries.get(i - 1).hash());
      assertThat(entries.get(i).event()).isEqualTo(event(i));
    }
    assertThat(v.headHash()).isEqualTo(entries.get(11).hash());
  }

  @Test
  void editedEntry_withCrcsFixed_breaksTheLinkToTheNextRecord() throws Exception {
    Path file = logWith(8);
    byte[] all = Files.readAllBytes(file);
    int at = messageOffset(all, 3);
    all[at + "decision ".length()] = '7'; // "decision 3" becomes "decision 7"
    fixCrcs(all, offsetOf(all, 3));
    Files.write(file, all);

    AuditLog.Verification v = AuditLog.verify(file);

    assertThat(v.ok()).isFalse();
    assertThat(v.problem().kind()).isEqualTo(Kind.BROKEN_CHAIN);
    assertThat(v.problem().record()).isEqualTo(4);
    assertThat(v.problem().offset()).isEqualTo(offsetOf(all, 4));
    assertThat(v.problem().what()).contains("record 3 was altered");
    assertThat(v.records()).isEqualTo(4);
  }

  @Test
  void verifyWithAReader_handsOverOnlyTheEntriesBeforeTheBreak_inOrder() throws Exception {
    Path file = logWith(8);
    byte[] all = Files.readAllBytes(file);
    int at = messageOffset(all, 3);
    all[at + "decision ".length()] = '7';
    fixCrcs(all, offsetOf(all, 3));
    Files.write(file, all);
    List<AuditEvent> seen = new ArrayList<>();

    AuditLog.Verification v = AuditLog.verify(file, seen::add);

    // entry 3 was altered, which only entry 4's link shows: 0..3 are handed over, as the chain had them
    assertThat(v.problem().kind()).isEqualTo(Kind.BROKEN_CHAIN);
    assertThat(seen).hasSize(4);
    assertThat(seen.subList(0, 3)).containsExactly(event(0), event(1), event(2));
  }

  @Test
  void editedEntry_withoutCrcFix_isACorruptRecordAtThatRecord() throws Exception {
    Path file = logWith(8);
    byte[] all = Files.readAllBytes(file);
    all[messageOffset(all, 5)] ^= 0x20;
    Files.write(file, all);

    AuditLog.Verification v = AuditLog.verify(file);

    assertThat(v.problem().kind()).isEqualTo(Kind.CORRUPT_RECORD);
    assertThat(v.problem().record()).isEqualTo(5);
    assertThatThrownBy(() -> AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("record 5")
        .hasMessageContaining("offset " + offsetOf(all, 5));
  }

  @Test
  void removedEntry_isABrokenChainWhereItWas() throws Exception {
    Path file = logWith(6);
    byte[] all = Files.readAllBytes(file);
    int from = offsetOf(all, 2);
    int to = offsetOf(all, 3);
    byte[] cut = new byte[all.length - (to - from)];
    System.arraycopy(all, 0, cut, 0, from);
    System.arraycopy(all, to, cut, from, all.length - to);
    Files.write(file, cut);

    AuditLog.Verification v = AuditLog.verify(file);

    assertThat(v.problem().kind()).isEqualTo(Kind.BROKEN_CHAIN);
    assertThat(v.problem().record()).isEqualTo(2);
    assertThat(v.problem().what()).contains("sequence number 3 where 2 was due");
  }

  @Test
  void editedLastEntry_showsAsAnotherHeadHash() throws Exception {
    Path file = logWith(4);
    byte[] anchored = AuditLog.verify(file).headHash();
    byte[] all = Files.readAllBytes(file);
    all[messageOffset(all, 3) + "decision ".length()] = '9';
    fixCrcs(all, offsetOf(all, 3));
    Files.write(file, all);

    AuditLog.Verification v = AuditLog.verify(file);

    assertThat(v.ok()).as("the chain alone cannot vouch for its last entry").isTrue();
    assertThat(v.headHash()).isNotEqualTo(anchored);
  }

  @Test
  void tornTail_isReported_thenCutOffOnOpen_andTheChainContinues() throws Exception {
    Path file = logWith(5);
    byte[] all = Files.readAllBytes(file);
    int last = offsetOf(all, 4);
    Files.write(file, Arrays.copyOf(all, last + 20));

    AuditLog.Verification torn = AuditLog.verify(file);
    assertThat(torn.problem().kind()).isEqualTo(Kind.TORN_TAIL);
    assertThat(torn.problem().record()).isEqualTo(4);
    assertThat(torn.records()).isEqualTo(4);

    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      assertThat(log.truncatedBytes()).isEqualTo(20);
      assertThat(log.records()).isEqualTo(4);
      log.append(List.of(event(4))).get(10, TimeUnit.SECONDS);
    }
    AuditLog.Verification v = AuditLog.verify(file);
    assertThat(v.ok()).isTrue();
    assertThat(v.records()).isEqualTo(5);
  }

  @Test
  void notAnAuditLog_isABadHeader() throws Exception {
    Path file = dir.resolve("other");
    Files.write(file, "CJNL\u0002\0\0\0".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(AuditLog.verify(file).problem().kind()).isEqualTo(Kind.BAD_HEADER);
    assertThatThrownBy(() -> AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1)))
        .hasMessageContaining("not a Cachet audit log");
  }

  @Test
  void secondWriter_onTheSameFile_isRefused() throws Exception {
    Path file = dir.resolve("audit.log");
    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      assertThatThrownBy(() -> AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1)))
          .hasMessageContaining("locked");
      assertThat(log.records()).isZero();
    }
  }

  @Test
  void concurrentAppends_allLand_inOneChain() throws Exception {
    Path file = dir.resolve("audit.log");
    List<CompletableFuture<Long>> done = new ArrayList<>();
    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread th = new Thread(() -> {
          for (int i = 0; i < 50; i++) {
            synchronized (done) {
              done.add(log.append(List.of(event(i), event(i + 1))));
            }
          }
        });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
      for (CompletableFuture<Long> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    }
    AuditLog.Verification v = AuditLog.verify(file);
    assertThat(v.ok()).isTrue();
    assertThat(v.records()).isEqualTo(400);
  }

  @Test
  void verifyCommand_printsOkOrTheFirstProblem_withExitCodes() throws Exception {
    Path file = logWith(3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

    assertThat(AuditLog.verifyCommand(List.of(file.toString()), o, e))
        .isEqualTo(AuditLog.EXIT_OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ok records=3 head=0x");

    byte[] all = Files.readAllBytes(file);
    all[messageOffset(all, 1)] ^= 1;
    Files.write(file, all);
    out.reset();
    assertThat(AuditLog.verifyCommand(List.of(file.toString()), o, e)).isEqualTo(AuditLog.EXIT_BROKEN);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("CORRUPT_RECORD at record 1");

    assertThat(AuditLog.verifyCommand(List.of(dir.resolve("missing").toString()), o, e))
        .isEqualTo(AuditLog.EXIT_IO);
    assertThat(AuditLog.verifyCommand(List.of(), o, e)).isEqualTo(AuditLog.EXIT_USAGE);
  }

  @Test
  void open_createsAFileOnlyItsOwnerCanRead() throws Exception {
    Path file = logWith(1);
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void append_afterClose_failsAtOnceWithoutAPath() throws Exception {
    Path file = dir.resolve("audit.log");
    AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1));
    log.close();
    CompletableFuture<Long> late = log.append(List.of(event(0)));
    assertThat(late).isCompletedExceptionally();
    assertThatThrownBy(late::join).hasMessageContaining("audit log is closed").hasMessageNotContaining(dir.toString());
  }

  @Test
  void append_racingClose_neverLeavesARequestWaiting() throws Exception {
    for (int round = 0; round < 20; round++) {
      Path file = dir.resolve("race-" + round + ".log");
      AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1));
      List<CompletableFuture<Long>> all = new ArrayList<>();
      Thread appender = new Thread(() -> {
        for (int i = 0; i < 200; i++) {
          synchronized (all) {
            all.add(log.append(List.of(event(i))));
          }
        }
      });
      appender.start();
      log.close();
      appender.join();
      synchronized (all) {
        for (CompletableFuture<Long> f : all) {
          // each one is either written or refused; none hangs
          f.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
