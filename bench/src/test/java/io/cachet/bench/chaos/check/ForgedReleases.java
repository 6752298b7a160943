package io.cachet.bench.chaos.check;

import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The checker tests' forgeries: a release no key server decided, appended to a copy of a real audit log. */
final class ForgedReleases {
  private static final SecureRandom RANDOM = new SecureRandom();

  private ForgedReleases() {}

  /** A copy of {@code source} named {@code name}.log in {@code dir}, with {@code event} appended as a valid entry. */
  static Path forgedLog(Path source, Path dir, String name, AuditEvent event) throws Exception {
    Path copy = dir.resolve(name + ".log");
    Files.copy(source, copy);
    try (AuditLog log = AuditLog.open(copy, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      log.append(List.of(event)).get(30, TimeUnit.SECONDS);
    }
    return copy;
  }

  /** A release of share 1 of a new object under {@code policy} to {@code requester}, at {@code height}. */
  static AuditEvent released(Address requester, PolicyId policy, long height, long ledgerTime, long recordedAt,
      String ledgerId) {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return new AuditEvent(recordedAt, AuditEvent.Outcome.RELEASED, "ALLOWED", Hex.to0x(id).substring(2), requester,
        "127.0.0.1", policy, ObjectId.random(RANDOM), 1, height, ledgerTime, "forged for the checker's test",
        ledgerId, new byte[0]);
  }
}
