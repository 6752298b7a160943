package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.client.ClientConfig;
import io.cachet.policy.evm.BlobRegistryClient;
import io.cachet.policy.evm.BlobRegistryReader;
import io.cachet.storage.BlobId;
import io.cachet.storage.network.EpochSchedule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The few small reads the blob commands make of a network without a key: the storage network's
 * epoch schedule and the chain's certificate record of a blob. Made with the JDK's plain
 * {@link HttpURLConnection}, not Vert.x, so that {@code ls} and {@code info} start fast; each answer
 * is read within a cap. One
 * instance per command run; on an EVM chain it holds one RPC connection until {@link #close}.
 */
final class NetworkReads implements AutoCloseable {
  /**
   * Longest one of these reads may take, from connecting to the answer's last byte: a listing
   * should not hang on a part that is down, or one that trickles its answer.
   */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
  /** Bytes read at a time from an answer, so the deadline is looked at between small reads. */
  private static final int CHUNK = 8 * 1024;
  /**
   * Cuts a GET that outlives its deadline. The socket's read timeout restarts at every byte, so a
   * server trickling its headers or body is stopped only by closing the connection from outside.
   * One daemon thread, made on the first GET.
   */
  private static final class Watchdog {
    static final ScheduledExecutorService CUTTER = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cachet-read-deadline");
      t.setDaemon(true);
      return t;
    });
  }
  /** Largest answer read: a network description or one certificate record. */
  private static final long MAX_ANSWER_BYTES = 256 * 1024;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What the chain says of a blob: recorded (with the record), not recorded, or could not be asked. */
  record Certification(State state, long size, long endEpoch, int confirmations, Instant recordedAt, String problem) {
    enum State { RECORDED, NOT_RECORDED, UNKNOWN }

    static Certification recorded(long size, long endEpoch, int confirmations, Instant recordedAt) {
      return new Certification(State.RECORDED, size, endEpoch, confirmations, recordedAt, null);
    }

    static Certification notRecorded() {
      return new Certification(State.NOT_RECORDED, -1, -1, 0, null, null);
    }

    static Certification unknown(String problem) {
      return new Certification(State.UNKNOWN, -1, -1, 0, null, problem);
    }

    boolean isRecorded() {
      return state == State.RECORDED;
    }
  }

  private final ClientConfig config;
  private BlobRegistryReader registry;
  private Optional<EpochSchedule> epochs;
  /** Set once the chain could not be asked: a listing then says so for every blob without asking again. */
  private Certification unreachable;

  NetworkReads(ClientConfig config) {
    this.config = config;
  }

  /**
   * The storage network's epoch schedule, from {@code GET /v1/network} of the aggregator, else the
   * publisher (Cachet's gateway serves it; a Walrus aggregator does not): empty when neither says.
   * Asked once per run.
   */
  Optional<EpochSchedule> epochs() {
    if (epochs == null) {
      epochs = schedule(config.aggregator()).or(() -> config.publisher().equals(config.aggregator())
          ? Optional.empty() : schedule(config.publisher()));
    }
    return epochs;
  }

  private Optional<EpochSchedule> schedule(URI base) {
    try {
      Answer r = get(base, "/v1/network", "network description");
      if (r.statusCode() != 200) {
        return Optional.empty();
      }
      JsonNode n = MAPPER.readTree(r.body());
      JsonNode genesis = n.get("genesisMillis");
      JsonNode length = n.get("epochMillis");
      JsonNode max = n.get("maxEpochsAhead");
      if (genesis == null || !genesis.canConvertToLong() || length == null || !length.canConvertToLong()
          || length.longValue() < 1) {
        return Optional.empty();
      }
      return Optional.of(new EpochSchedule(genesis.longValue(), length.longValue(),
          max != null && max.canConvertToInt() && max.intValue() > 0 ? max.intValue() : Integer.MAX_VALUE));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The current storage epoch by this machine's clock, if the schedule is known. */
  Optional<Long> currentEpoch(Instant now) {
    return epochs().map(s -> s.epochAt(now.toEpochMilli()));
  }

  /**
   * The availability certificate the chain recorded for {@code blob}: the embedded ledger's
   * {@code GET /v1/certificates/{blobId}}, or the EVM chain's blob registry. A chain that cannot be
   * asked is {@link Certification.State#UNKNOWN}, never "not recorded".
   */
  Certification certification(BlobId blob) {
    if (unreachable != null) {
      return unreachable;
    }
    try {
      if (config.chain().isEvm()) {
        if (registry == null) {
          registry = new BlobRegistryReader(config.chain().rpcUrl(), config.chain().blobRegistry());
        }
        Optional<BlobRegistryClient.Recorded> r = registry.certificate(blob.bytes());
        return r.map(c -> Certification.recorded(c.size(), c.endEpoch(), c.signerKeys().size(),
            Instant.ofEpochSecond(c.recordedAtSeconds()))).orElseGet(Certification::notRecorded);
      }
      Answer r = get(config.ledgerUrl(), "/v1/certificates/" + blob, "certificate record");
      if (r.statusCode() == 404) {
        return Certification.notRecorded();
      }
      if (r.statusCode() != 200) {
        return Certification.unknown("the ledger answered HTTP " + r.statusCode());
      }
      JsonNode n = MAPPER.readTree(r.body());
      if (!blob.toString().equals(n.path("blobId").asText())) {
        return Certification.unknown("the ledger answered with the record of another blob");
      }
      return Certification.recorded(n.path("size").asLong(-1), n.path("endEpoch").asLong(-1),
          n.path("confirmations").asInt(0), Instant.ofEpochMilli(n.path("recordedAt").asLong(0)));
    } catch (IOException | RuntimeException e) {
      unreachable = Certification.unknown("the " + (config.chain().isEvm() ? "chain" : "ledger")
          + " does not answer (" + config.chainWhere() + ")");
      return unreachable;
    }
  }

  /** A status and the body read within {@link #MAX_ANSWER_BYTES}. */
  record Answer(int statusCode, byte[] body) {}

  /**
   * One GET within {@link #READ_TIMEOUT} overall. {@link HttpURLConnection} rather than the JDK's
   * {@code HttpClient}, which builds the default TLS context (reading the CA store) when it is
   * created, even for plain http, a good part of a short command's start-up.
   */
  private static Answer get(URI base, String path, String kind) throws IOException {
    return get(base, path, kind, READ_TIMEOUT);
  }

  /**
   * One GET that ends within {@code limit}, from connecting to the last byte read: past it the
   * connection is closed and the read fails, however steadily the server trickles.
   *
   * @throws IOException when the part does not answer, answers too much, or not within {@code limit}
   */
  static Answer get(URI base, String path, String kind, Duration limit) throws IOException {
    String b = base.toString();
    URI uri = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    long deadline = System.nanoTime() + limit.toNanos();
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    ScheduledFuture<?> cut = Watchdog.CUTTER.schedule(c::disconnect, limit.toNanos(), TimeUnit.NANOSECONDS);
    try {
      c.setConnectTimeout((int) limit.toMillis());
      c.setReadTimeout((int) limit.toMillis());
      c.setInstanceFollowRedirects(false);
      int status = c.getResponseCode();
      if (c.getContentLengthLong() > MAX_ANSWER_BYTES) {
        throw new IOException("the " + kind + " is larger than " + MAX_ANSWER_BYTES + " bytes");
      }
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        byte[] body = in == null ? new byte[0] : readBefore(in, deadline, kind, limit);
        return new Answer(status, body);
      }
    } catch (IOException e) {
      if (System.nanoTime() - deadline >= 0) {
        throw new IOException("the " + kind + " was not read within " + limit.toSeconds() + " s");
      }
      throw e;
    } finally {
      cut.cancel(false);
      c.disconnect();
    }
  }

  /** The body, at most {@link #MAX_ANSWER_BYTES}, with the deadline looked at between reads. */
  private static byte[] readBefore(InputStream in, long deadline, String kind, Duration limit) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] chunk = new byte[CHUNK];
    for (int n; (n = in.read(chunk)) != -1; ) {
      body.write(chunk, 0, n);
      if (body.size() > MAX_ANSWER_BYTES) {
        throw new IOException("the " + kind + " is larger than " + MAX_ANSWER_BYTES + " bytes");
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IOException("the " + kind + " was not read within " + limit.toSeconds() + " s");
      }
    }
    return body.toByteArray();
  }

  @Override
  public void close() {
    if (registry != null) {
      registry.close();
    }
  }
}
