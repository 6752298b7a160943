package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Requester;
import io.cachet.policy.Decision;
import io.cachet.policy.LedgerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * No certified blob lost: every blob whose put the soak saw succeed reads back, byte for byte,
 * through the client SDK (as {@code cachet get} reads it), as long as it is within its lifetime.
 * For each {@link PutRecord}, in order:
 *
 * <ol>
 *   <li>a blob whose end epoch has come ({@code endEpoch <= current epoch}) is skipped and counted:
 *       the network owes it nothing more;
 *   <li>the chain must hold its availability certificate ({@link LedgerState#certificate}), lasting
 *       at least to the put's end epoch and, where the soak recorded the stored size, of that size;
 *   <li>the recorded reader must still be allowed by the chain at its head; if not (the soak
 *       revoked it, or its window closed) the read cannot be asked of anyone, and the blob is skipped
 *       and counted (its certificate was still checked);
 *   <li>read as the reader, the blob must give exactly {@code size} bytes whose SHA-256 is the
 *       recorded one. A refusal while the chain allows, a failed read or other bytes are "blob lost".
 * </ol>
 *
 * The reader's answer is the one thing not from the chain: the bytes themselves, checked against
 * the digest the soak's own client computed when it put them.
 */
public final class BlobCheck {
  /** Reason counted for a blob past its lifetime. */
  public static final String SKIP_EXPIRED = "past its end epoch";
  /** Reason counted for a blob whose recorded reader the chain no longer allows. */
  public static final String SKIP_READER_NOT_ALLOWED = "reader no longer allowed by the chain";

  /** Finds the identity a put record names as its reader. */
  @FunctionalInterface
  public interface Readers {
    Requester reader(String name) throws IOException;
  }

  private final ClientConfig network;
  private final Readers readers;
  private final LongSupplier currentEpoch;
  private final Clock clock;

  /**
   * @param network the network descriptor the soak's clients used
   * @param readers the soak's reader identities
   * @param currentEpoch the storage network's epoch now
   * @param clock the clock that dates the reader's requests
   */
  public BlobCheck(ClientConfig network, Readers readers, LongSupplier currentEpoch, Clock clock) {
    this.network = Objects.requireNonNull(network, "network");
    this.readers = Objects.requireNonNull(readers, "readers");
    this.currentEpoch = Objects.requireNonNull(currentEpoch, "currentEpoch");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Checks every put, adding counts and violations to {@code report}; {@code where} names the puts file. */
  public void check(ChainHistory chain, List<PutRecord> puts, String where, CheckReport.Builder report) {
    LedgerState head = chain.headState();
    long headTime = chain.ledgerTime(chain.head());
    Map<String, CachetClient> clients = new HashMap<>();
    try {
      for (int line = 0; line < puts.size(); line++) {
        PutRecord put = puts.get(line);
        if (put.endEpoch() <= currentEpoch.getAsLong()) {
          report.skipped(Invariant.NO_BLOB_LOST, SKIP_EXPIRED);
          continue;
        }
        report.checked(Invariant.NO_BLOB_LOST);
        String wrong = certificateProblem(head, put);
        if (wrong == null) {
          wrong = readProblem(chain, head, headTime, put, clients, report);
        }
        if (wrong != null && !wrong.isEmpty()) {
          report.violation(Invariant.NO_BLOB_LOST, where, line + 1, -1, "blob " + put.blobId() + ": " + wrong);
        }
      }
    } finally {
      clients.values().forEach(CachetClient::close);
    }
  }

  private static String certificateProblem(LedgerState head, PutRecord put) {
    LedgerState.Certificate c = head.certificate(put.blobId().toString());
    if (c == null) {
      return "the chain holds no availability certificate for it";
    }
    if (c.endEpoch() < put.endEpoch()) {
      return "its certificate ends at epoch " + c.endEpoch() + ", before the put's end epoch " + put.endEpoch();
    }
    if (put.storedSize() > 0 && c.size() != put.storedSize()) {
      return "its certificate is for " + c.size() + " bytes, the put stored " + put.storedSize();
    }
    return null;
  }

  /** What is wrong with reading the blob back; null if it read back intact, empty if skipped. */
  private String readProblem(ChainHistory chain, LedgerState head, long headTime, PutRecord put,
      Map<String, CachetClient> clients, CheckReport.Builder report) {
    Requester reader;
    try {
      reader = readers.reader(put.reader());
    } catch (IOException e) {
      return "its reader '" + put.reader() + "' cannot be loaded: " + e.getMessage();
    }
    Decision d = head.evaluate(put.policy(), reader.address(), headTime, chain.head());
    if (!d.allowed()) {
      report.skipped(Invariant.NO_BLOB_LOST, SKIP_READER_NOT_ALLOWED);
      return "";
    }
    try {
      CachetClient client = clients.computeIfAbsent(put.reader(), n -> CachetClient.openAs(network, reader, clock,
          null));
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long length;
      try (InputStream in = client.open(put.blobId());
          OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
        length = in.transferTo(sink);
      }
      if (length != put.size()) {
        return "read back " + length + " bytes, the put stored " + put.size();
      }
      if (!MessageDigest.isEqual(sha.digest(), put.sha256())) {
        return "read back other bytes than were put (SHA-256 differs)";
      }
      return null;
    } catch (AccessRefusedException e) {
      return "the key servers refused " + put.reader() + " although the chain allows it: " + e.getMessage();
    } catch (IOException | CachetSecurityException | UncheckedIOException e) {
      return "it does not read back: " + e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
