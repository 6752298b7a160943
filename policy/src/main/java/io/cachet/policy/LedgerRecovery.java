package io.cachet.policy;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.journal.SignedHeightMark;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a sequencer back the blocks its journal lost after it had signed and served them (see
 * {@link LedgerHistoryMissingException}). Followers hold those blocks exactly as the sequencer
 * signed them; this fetches the missing heights from one or more of them, checks each block as a
 * follower does (ledger id, the sequencer's signature, the hash chain from the journal's head,
 * time order, every transaction valid), checks that the block at the signed height has exactly
 * the hash the {@link SignedHeightMark} recorded, and only then appends them all to the journal in
 * one fsynced write. Anything short of that changes nothing: blocks from a follower that lies, or
 * that has fewer blocks than were signed, are never appended.
 *
 * <p>Run it with the sequencer stopped (the journal's file lock enforces that):
 * <pre>
 * java -cp policy.jar:... io.cachet.policy.LedgerRecovery --data DIR --ledger ID \
 *     --sequencer-key BASE64URL --from http://keyserver-1:7001 [--from URL ...]
 * </pre>
 */
public final class LedgerRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerRecovery.class);

  /** Blocks asked for per request. */
  private static final int BLOCKS_PER_REQUEST = 1000;

  /** Largest answer read from a follower: a full read of blocks, base64 encoded, with room. */
  private static final long MAX_ANSWER_BYTES = 3 * (16L << 20);

  /** How long one request to a follower may take. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** Exit code: the journal reaches the signed height (recovered, or nothing was missing). */
  public static final int EXIT_OK = 0;
  /** Exit code: the blocks could not be recovered; the journal is unchanged. */
  public static final int EXIT_FAILED = 1;
  /** Exit code: the command line is wrong. */
  public static final int EXIT_USAGE = 2;

  /** Where missing blocks come from: a follower's stored blocks. */
  public interface BlockSource {
    /** Up to {@code max} encoded blocks from {@code from} on; empty if it has none there. */
    List<byte[]> blocks(long from, int max) throws IOException;

    /** Names the source in messages. */
    String name();
  }

  /** What a recovery found and did. */
  public record Outcome(long journalHeight, long signedHeight, int blocksAppended) {}

  private LedgerRecovery() {}

  /**
   * Brings the journal in {@code dataDir} up to the height its signed-height mark records.
   *
   * @throws IOException if the sources together do not hold every missing block, or what they
   *     hold does not check out; the journal is then left as it was
   */
  public static Outcome recover(Path dataDir, String ledgerId, VerifyingKey sequencerKey, List<BlockSource> sources)
      throws IOException {
    Objects.requireNonNull(sources, "sources");
    SignedHeightMark mark = SignedHeightMark.read(dataDir);
    ChainValidator chain = new ChainValidator(ledgerId, sequencerKey, new LedgerState(sequencerKey.address()));
    Path file = dataDir.resolve(Sequencer.JOURNAL_FILE);
    Journal journal;
    try {
      journal = Journal.open(file, record -> {
        try {
          chain.applyStored(Block.decode(record));
        } catch (FormatException | ChainValidator.ChainException e) {
          throw new UncheckedIOException(new IOException(file + ": invalid block after height "
              + (chain.head() == null ? "(none)" : chain.head().height()) + ": " + e.getMessage(), e));
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    try (journal) {
      try {
        chain.checkHeadSignature();
      } catch (ChainValidator.ChainException e) {
        throw new IOException(file + ": the journal's head is not this sequencer's: " + e.getMessage(), e);
      }
      long journalHeight = chain.head() == null ? -1 : chain.head().height();
      if (mark == null || mark.height() <= journalHeight) {
        LOG.info("event=ledger_recovery_not_needed journalHeight={} signedHeight={}", journalHeight,
            mark == null ? "(none)" : mark.height());
        return new Outcome(journalHeight, mark == null ? journalHeight : mark.height(), 0);
      }
      List<byte[]> fetched = fetch(chain, mark.height(), sources);
      if (!mark.matches(chain.head().hash())) {
        throw new IOException("the block at height " + mark.height() + " the followers hold is not the one this"
            + " ledger signed (hash differs from the signed-height mark); nothing appended");
      }
      journal.append(fetched);
      LOG.info("event=ledger_recovered journalHeight={} signedHeight={} appended={}", journalHeight, mark.height(),
          fetched.size());
      return new Outcome(journalHeight, mark.height(), fetched.size());
    }
  }

  /** Fetches and checks blocks up to {@code target}, trying the sources in turn; all or an exception. */
  private static List<byte[]> fetch(ChainValidator chain, long target, List<BlockSource> sources) throws IOException {
    List<byte[]> fetched = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (BlockSource source : sources) {
      try {
        while (height(chain) < target) {
          long next = height(chain) + 1;
          List<byte[]> got = source.blocks(next, (int) Math.min(BLOCKS_PER_REQUEST, target - next + 1));
          if (got.isEmpty()) {
            throw new IOException("holds no block " + next);
          }
          for (byte[] encoded : got) {
            if (height(chain) >= target) {
              break;
            }
            chain.apply(Block.decode(encoded));
            fetched.add(encoded);
          }
        }
        return fetched;
      } catch (IOException | FormatException | ChainValidator.ChainException e) {
        problems.add(source.name() + ": " + e.getMessage());
        LOG.warn("event=ledger_recovery_source_failed source={} reason=\"{}\"", source.name(), e.getMessage());
      }
    }
    throw new IOException("blocks " + (height(chain) + 1) + " to " + target + " could not be recovered"
        + (problems.isEmpty() ? " (no sources given)" : ": " + String.join("; ", problems)) + "; nothing appended");
  }

  /** The height of the chain's head, -1 before genesis. */
  private static long height(ChainValidator chain) {
    return chain.head() == null ? -1 : chain.head().height();
  }

  /** Reads a follower's or key server's {@code GET /v1/blocks} (a ledger's own works too). */
  public static BlockSource http(String baseUrl, String ledgerId) {
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return new BlockSource() {
      @Override
      public List<byte[]> blocks(long from, int max) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/blocks?from=" + from + "&limit=" + max))
            .timeout(REQUEST_TIMEOUT).GET().build();
        HttpResponse<InputStream> response;
        try {
          response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        byte[] body;
        try (InputStream in = response.body()) {
          body = in.readNBytes((int) MAX_ANSWER_BYTES + 1);
        }
        if (body.length > MAX_ANSWER_BYTES) {
          throw new IOException("answer larger than " + MAX_ANSWER_BYTES + " bytes");
        }
        if (response.statusCode() != 200) {
          throw new IOException("answered HTTP " + response.statusCode());
        }
        try {
          JsonObject json = new JsonObject(new String(body, java.nio.charset.StandardCharsets.UTF_8));
          if (!ledgerId.equals(json.getValue("ledgerId"))) {
            throw new IOException("serves ledger " + json.getValue("ledgerId") + ", not " + ledgerId);
          }
          List<byte[]> out = new ArrayList<>();
          JsonArray blocks = json.getJsonArray("blocks");
          for (int i = 0; i < blocks.size(); i++) {
            out.add(Base64Url.decode(blocks.getString(i), "block"));
          }
          return out;
        } catch (FormatException | RuntimeException e) {
          throw new IOException("malformed blocks: " + e.getMessage(), e);
        }
      }

      @Override
      public String name() {
        return base;
      }
    };
  }

  /** The command; see the class comment. Prints what it did, or why not, and exits with a code above. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    Path data = null;
    String ledger = null;
    String key = null;
    List<String> from = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--data" -> data = value == null ? null : Path.of(value);
        case "--ledger" -> ledger = value;
        case "--sequencer-key" -> key = value;
        case "--from" -> {
          if (value != null) {
            from.add(value);
          }
        }
        default -> {
          System.err.println("unknown option " + args[i]);
          return EXIT_USAGE;
        }
      }
      i++;
    }
    if (data == null || ledger == null || key == null || from.isEmpty()) {
      System.err.println("usage: LedgerRecovery --data DIR --ledger ID --sequencer-key BASE64URL --from URL"
          + " [--from URL ...]");
      return EXIT_USAGE;
    }
    try {
      VerifyingKey sequencerKey = VerifyingKey.parse(key);
      String ledgerId = ledger;
      Outcome o = recover(data, ledgerId, sequencerKey, from.stream().map(u -> http(u, ledgerId)).toList());
      System.out.println(o.blocksAppended() == 0
          ? "nothing to recover: the journal ends at height " + o.journalHeight() + ", signed up to " + o.signedHeight()
          : "recovered blocks " + (o.journalHeight() + 1) + " to " + o.signedHeight() + "; the sequencer may start");
      return EXIT_OK;
    } catch (FormatException e) {
      System.err.println("bad --sequencer-key: " + e.getMessage());
      return EXIT_USAGE;
    } catch (IOException e) {
      System.err.println("recovery failed: " + e.getMessage());
      return EXIT_FAILED;
    }
  }
}
