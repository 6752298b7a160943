package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.KeyServersUnavailableException;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Requester;
import io.cachet.policy.Decision;
import io.cachet.policy.LedgerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * No certified blob lost: every blob whose put the soak saw succeed is still stored, and reads
 * back byte for byte where someone may still read it, as long as it is within its lifetime.
 * Availability is checked apart from access (who may decrypt changes with every revocation; what
 * is stored does not). For each {@link PutRecord}, in order:
 *
 * <ol>
 *   <li>a blob whose end epoch has come ({@code endEpoch <= current epoch}) is skipped and counted:
 *       the network owes it nothing more;
 *   <li>the chain must hold its availability certificate ({@link LedgerState#certificate}), lasting
 *       at least to the put's end epoch and, where the soak recorded the stored size, of that size;
 *   <li>availability: the stored bytes, fetched from the descriptor's aggregator ({@code GET
 *       /v1/blobs/ID}, read up to one byte past the certified size), must be exactly the
 *       certificate's size and, where the soak recorded it, have the recorded SHA-256. Anything
 *       else (an error answer, a failed read, other bytes) is "blob lost";
 *   <li>access: if the chain at its head still allows the recorded reader, the blob is read as the
 *       reader through the client SDK and must give exactly {@code size} bytes of the recorded
 *       SHA-256; other bytes or a failed read are "blob lost". A reader the chain no longer allows,
 *       a refusal by the key servers, or too few key servers answering at check time are skipped
 *       and counted, each under its own reason: they say nothing of whether the blob is stored.
 * </ol>
 *
 * Each put is one item: counted as checked once its availability is checked, whatever becomes
 * of its plaintext read. The stored bytes and the reader's answer are the things not from the
 * chain, checked against what the soak's own client recorded when it put them.
 */
public final class BlobCheck {
  /** Reason counted for a blob past its lifetime. */
  public static final String SKIP_EXPIRED = "past its end epoch";
  /** Reason counted for a plaintext read not made: the chain no longer allows the recorded reader. */
  public static final String SKIP_READER_NOT_ALLOWED = "reader no longer allowed by the chain";
  /** Reason counted for a plaintext read the key servers refused at check time (the blob was found stored). */
  public static final String SKIP_KEY_SERVERS_REFUSED = "key servers refused the read at check time";
  /** Reason counted for a plaintext read too few key servers answered at check time (the blob was found stored). */
  public static final String SKIP_KEY_SERVERS_UNAVAILABLE = "key servers unavailable at check time";
  /** How long the aggregator may take to connect and to start answering. */
  private static final Duration AGGREGATOR_TIMEOUT = Duration.ofMinutes(2);
  /**
   * Puts judged at once. A judgement mostly waits on the aggregator and the key servers, so a few
   * at a time keep a two-core machine busy where one at a time leaves it idle.
   */
  private static final int PARALLEL_JUDGEMENTS = 4;
  /** Bytes read at a time from the aggregator. */
  private static final int COPY_BUFFER_BYTES = 64 << 10;

  /** Finds the identity a put record names as its reader; called from several threads at once. */
  @FunctionalInterface
  public interface Readers {
    Requester reader(String name) throws IOException;
  }

  /** What became of one put: a violation, or checked with the plaintext read skipped for a reason, or neither. */
  private record Outcome(String wrong, String skipped) {
    static final Outcome INTACT = new Outcome(null, null);

    static Outcome lost(String why) {
      return new Outcome(why, null);
    }

    static Outcome readSkipped(String reason) {
      return new Outcome(null, reason);
    }
  }

  private final ClientConfig network;
  private final Readers readers;
  private final LongSupplier currentEpoch;
  private final Clock clock;
  private final HttpClient aggregator = HttpClient.newBuilder().connectTimeout(AGGREGATOR_TIMEOUT).build();

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

  /**
   * Checks every put, adding counts and violations to {@code report} in the puts' order; {@code
   * where} names the puts file. Up to {@link #PARALLEL_JUDGEMENTS} puts are judged at once.
   */
  public void check(ChainHistory chain, List<PutRecord> puts, String where, CheckReport.Builder report) {
    Map<String, CachetClient> clients = new ConcurrentHashMap<>();
    ExecutorService judges = Executors.newFixedThreadPool(PARALLEL_JUDGEMENTS, r -> {
      Thread t = new Thread(r, "blob-check");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Outcome>> outcomes = new ArrayList<>(puts.size());
      for (PutRecord put : puts) {
        outcomes.add(put.endEpoch() <= currentEpoch.getAsLong() ? null
            : judges.submit(() -> judge(chain, put, clients)));
      }
      for (int line = 0; line < puts.size(); line++) {
        if (outcomes.get(line) == null) {
          report.skipped(Invariant.NO_BLOB_LOST, SKIP_EXPIRED);
          continue;
        }
        Outcome o = awaitOutcome(outcomes.get(line));
        if (o.wrong() != null) {
          report.violation(Invariant.NO_BLOB_LOST, where, line + 1, -1, "blob " + puts.get(line).blobId() + ": "
              + o.wrong());
          continue;
        }
        report.checked(Invariant.NO_BLOB_LOST);
        if (o.skipped() != null) {
          report.skipped(Invariant.NO_BLOB_LOST, o.skipped());
        }
      }
    } finally {
      judges.shutdownNow();
      clients.values().forEach(CachetClient::close);
    }
  }

  /** A judgement's outcome; a judgement that threw rethrows here, as it would have run in this thread. */
  private static Outcome awaitOutcome(Future<Outcome> judgement) {
    try {
      return judgement.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.lost("interrupted while it was checked");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** What became of one put's blob: its certificate, its stored bytes, then its plaintext where it may be read. */
  private Outcome judge(ChainHistory chain, PutRecord put, Map<String, CachetClient> clients) {
    LedgerState.Certificate certificate = chain.headState().certificate(put.blobId().toString());
    String wrong = certificateProblem(certificate, put);
    if (wrong == null) {
      wrong = storedProblem(put, certificate.size());
    }
    if (wrong != null) {
      return Outcome.lost(wrong);
    }
    Requester reader;
    try {
      reader = readers.reader(put.reader());
    } catch (IOException e) {
      return Outcome.lost("its reader '" + put.reader() + "' cannot be loaded: " + e.getMessage());
    }
    Decision d = chain.headState().evaluate(put.policy(), reader.address(), chain.ledgerTime(chain.head()),
        chain.head());
    if (!d.allowed()) {
      return Outcome.readSkipped(SKIP_READER_NOT_ALLOWED);
    }
    return readBack(put, reader, clients);
  }

  /**
   * What is wrong with the stored bytes as the aggregator serves them, or null if they are the
   * certified size (and the recorded digest). At most one byte past that size is read.
   */
  private String storedProblem(PutRecord put, long certifiedSize) {
    URI url = URI.create(network.aggregator().toString().replaceAll("/+$", "") + "/v1/blobs/" + put.blobId());
    HttpRequest request = HttpRequest.newBuilder(url).timeout(AGGREGATOR_TIMEOUT).GET().build();
    try {
      HttpResponse<InputStream> response = aggregator.send(request, HttpResponse.BodyHandlers.ofInputStream());
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long length;
      try (InputStream in = response.body();
          OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
        if (response.statusCode() != 200) {
          return "the aggregator answers HTTP " + response.statusCode() + " for its stored bytes";
        }
        length = copyAtMost(in, sink, certifiedSize + 1);
      }
      if (length != certifiedSize) {
        return "the aggregator serves " + (length > certifiedSize ? "more than " + certifiedSize : length)
            + " stored bytes, the certificate names " + certifiedSize;
      }
      byte[] recorded = put.storedSha256();
      if (recorded.length > 0 && !MessageDigest.isEqual(sha.digest(), recorded)) {
        return "the aggregator serves other stored bytes than were put (SHA-256 differs)";
      }
      return null;
    } catch (IOException e) {
      return "its stored bytes cannot be read from the aggregator: " + e.getClass().getSimpleName();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while reading its stored bytes";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /** Copies at most {@code max} bytes; closing {@code in} then drops the rest unread. */
  private static long copyAtMost(InputStream in, OutputStream out, long max) throws IOException {
    byte[] buffer = new byte[COPY_BUFFER_BYTES];
    long copied = 0;
    while (copied < max) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, max - copied));
      if (n < 0) {
        break;
      }
      out.write(buffer, 0, n);
      copied += n;
    }
    return copied;
  }

  private static String certificateProblem(LedgerState.Certificate c, PutRecord put) {
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

  /** The blob read back as {@code reader}: intact, lost, or the read skipped because the key servers would not serve it. */
  private Outcome readBack(PutRecord put, Requester reader, Map<String, CachetClient> clients) {
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
        return Outcome.lost("read back " + length + " bytes, the put stored " + put.size());
      }
      if (!MessageDigest.isEqual(sha.digest(), put.sha256())) {
        return Outcome.lost("read back other bytes than were put (SHA-256 differs)");
      }
      return Outcome.INTACT;
    } catch (AccessRefusedException e) {
      // the blob was found stored: a refusal now is the key servers' view of access, not a loss
      return Outcome.readSkipped(SKIP_KEY_SERVERS_REFUSED);
    } catch (KeyServersUnavailableException e) {
      return Outcome.readSkipped(SKIP_KEY_SERVERS_UNAVAILABLE);
    } catch (IOException | CachetSecurityException | UncheckedIOException e) {
      return Outcome.lost("it does not read back: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
