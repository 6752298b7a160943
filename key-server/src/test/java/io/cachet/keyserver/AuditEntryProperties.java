package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The audit record codec: exact round trips, and no change to a record's bytes goes unnoticed. */
class AuditEntryProperties {

  @Provide
  Arbitrary<AuditEntry> entries() {
    Arbitrary<byte[]> id32 = Arbitraries.bytes().array(byte[].class).ofSize(32);
    Arbitrary<String> reasons = Arbitraries.of("ALLOWED", "NOT_A_MEMBER", "EXPIRED", "CONTEXT_MISMATCH",
        "LEDGER_STALE", "BAD_SIGNATURE", "REPLAYED_REQUEST", "UNKNOWN_KEY");
    Arbitrary<String> requestIds = Arbitraries.oneOf(
        Arbitraries.strings().withChars("0123456789abcdef").ofLength(32), Arbitraries.just(""));
    Arbitrary<String> messages = Arbitraries.strings().all().ofMaxLength(400).map(AuditEvent::clip);
    Arbitrary<String> clients = Arbitraries.of("127.0.0.1", "::1", "2001:db8::ff00:42:8329", "unknown", "");
    Arbitrary<String> ledgerIds = Arbitraries.of("", "cachet-devnet",
        "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3", "eip155:1:0x" + "ab".repeat(20));
    Arbitrary<byte[]> blockHashes = Arbitraries.oneOf(id32, Arbitraries.just(new byte[0]));
    Arbitrary<AuditEvent> events = Combinators.combine(
        Arbitraries.longs().between(0, Long.MAX_VALUE),
        Arbitraries.of(AuditEvent.Outcome.class),
        reasons,
        requestIds,
        id32.injectNull(0.3),
        clients,
        Combinators.combine(id32, id32, Arbitraries.integers().between(1, 32)).as(Item::new),
        Combinators.combine(Arbitraries.longs().between(-1, Long.MAX_VALUE),
            Arbitraries.longs().between(0, Long.MAX_VALUE), messages, ledgerIds, blockHashes).as(Tail::new))
        .as((at, outcome, reason, requestId, requester, client, item, tail) -> {
          boolean refused = outcome == AuditEvent.Outcome.REFUSED;
          return new AuditEvent(at, outcome, reason, requestId, requester == null ? null : Address.of(requester),
              client, refused ? null : PolicyId.of(item.policy), refused ? null : ObjectId.of(item.object),
              refused ? 0 : item.index, tail.height, tail.time, tail.message, tail.ledgerId, tail.blockHash);
        });
    // format 1 entries (no ledger id, no block hash) are still read, so they must round-trip too
    return Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE), id32, events, Arbitraries.of(1, 2))
        .as((sequence, previous, event, version) -> version == 1
            ? new AuditEntry(1, sequence, previous, format1(event)) : new AuditEntry(sequence, previous, event));
  }

  private static AuditEvent format1(AuditEvent e) {
    return new AuditEvent(e.recordedAtMillis(), e.outcome(), e.reason(), e.requestId(), e.requester(), e.client(),
        e.policy(), e.object(), e.shareIndex(), e.ledgerHeight(), e.ledgerTimeMillis(), e.message());
  }

  private record Item(byte[] policy, byte[] object, int index) {}

  private record Tail(long height, long time, String message, String ledgerId, byte[] blockHash) {}

  @Property(tries = 300)
  void decode_ofEncode_isTheSameEntry(@ForAll("entries") AuditEntry entry) throws Exception {
    byte[] encoded = entry.encode();
    AuditEntry back = AuditEntry.decode(encoded);
    assertThat(back).isEqualTo(entry);
    assertThat(back.encode()).isEqualTo(encoded);
    assertThat(encoded.length).isLessThanOrEqualTo(AuditLog.MAX_PAYLOAD_LENGTH);
  }

  @Property(tries = 300)
  void anyByteChanged_isRefused_orDecodesToAnotherEntryWithAnotherHash(@ForAll("entries") AuditEntry entry,
      @ForAll @IntRange(min = 0, max = 10_000) int where, @ForAll @IntRange(min = 1, max = 255) int delta) {
    byte[] encoded = entry.encode();
    byte[] changed = encoded.clone();
    int at = where % changed.length;
    changed[at] = (byte) (changed[at] + delta);
    try {
      AuditEntry other = AuditEntry.decode(changed);
      assertThat(other).isNotEqualTo(entry);
      assertThat(other.hash()).isNotEqualTo(entry.hash());
    } catch (FormatException e) {
      // refused: as good as detected
    }
  }

  @Property(tries = 200)
  void truncatedOrExtended_isRefused(@ForAll("entries") AuditEntry entry, @ForAll @IntRange(min = 1, max = 64) int n) {
    byte[] encoded = entry.encode();
    byte[] shorter = Arrays.copyOf(encoded, Math.max(0, encoded.length - n));
    byte[] longer = Arrays.copyOf(encoded, encoded.length + n);
    assertThatThrownBy(() -> AuditEntry.decode(shorter)).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> AuditEntry.decode(longer)).isInstanceOf(FormatException.class);
  }

  @Property(tries = 300)
  void randomBytes_areOnlyEverAFormatError(@ForAll @Size(max = 600) byte[] bytes) {
    try {
      AuditEntry.decode(bytes);
    } catch (FormatException e) {
      // the only failure allowed
    }
  }

  @Property(tries = 30)
  void anyByteOfALogChanged_isFoundByVerify_atOrBeforeTheRecordHolding(
      @ForAll @IntRange(min = 1, max = 12) int records, @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll @IntRange(min = 1, max = 255) int delta) throws Exception {
    Path dir = Files.createTempDirectory("audit-prop");
    try {
      Path file = dir.resolve("audit.log");
      try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.PERIODIC, Duration.ofSeconds(1))) {
        for (int i = 0; i < records; i++) {
          log.append(List.of(AuditLogTest.event(i))).get(10, TimeUnit.SECONDS);
        }
      }
      byte[] original = Files.readAllBytes(file);
      int at = where % original.length;
      int holding = 0;
      // record boundaries come from the bytes as written: the change may hit a length field
      while (holding + 1 < records && AuditLogTest.offsetOf(original, holding + 1) <= at) {
        holding++;
      }
      byte[] all = original.clone();
      all[at] = (byte) (all[at] + delta);
      Files.write(file, all);
      AuditLog.Verification v = AuditLog.verify(file);

      assertThat(v.ok()).as("a change at byte %d of %d", at, all.length).isFalse();
      if (at >= 8) {
        assertThat(v.problem().record()).as("problem %s", v.problem()).isEqualTo(holding);
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Property(tries = 100)
  void clip_keepsMessagesWithinTheLimit_andShortOnesWhole(@ForAll @Size(max = 2000) String message) {
    String clipped = AuditEvent.clip(message);
    byte[] utf8 = clipped.getBytes(StandardCharsets.UTF_8);
    assertThat(utf8.length).isLessThanOrEqualTo(AuditEvent.MAX_MESSAGE_BYTES);
    if (message.getBytes(StandardCharsets.UTF_8).length <= AuditEvent.MAX_MESSAGE_BYTES) {
      assertThat(clipped).isEqualTo(message);
    } else {
      assertThat(new String(message.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).startsWith(clipped);
    }
  }
}
