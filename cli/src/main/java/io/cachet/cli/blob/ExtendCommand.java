package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.Plain;
import io.cachet.cli.UsageException;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.BlobStore;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet extend BLOB --epochs N}: keeps a blob N epochs longer, as {@code walrus extend
 * --epochs-extended N} does: the new end epoch is the current one (the chain's record, else the
 * index's) plus N. Over the publisher's HTTP API the only way to ask for a longer lifetime is to
 * store the same bytes again for longer, so the ciphertext is streamed from the aggregator into
 * the publisher (never whole in memory, no key needed); storage nodes keep the largest end epoch
 * they are told, and the gateway records the longer certificate on the chain. The blob id must
 * come back the same, else the command fails (exit 3, {@code BLOB_ID_MISMATCH}).
 */
@Command(name = "extend", description = {"Keep a blob stored N more epochs.",
    "Its end epoch moves from where the chain records it to N epochs later (as 'walrus extend"
        + " --epochs-extended N'). The ciphertext is sent to the publisher again, streamed from the"
        + " aggregator; nothing is decrypted. Needs no passphrase."},
    footer = {"", "Examples:", "  cachet extend 3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc --epochs 10",
        "  cachet extend cachet1.eyJibG9i... --epochs 2 --json"})
public final class ExtendCommand implements Callable<Integer> {
  /** Reason code of a re-store that came back under another blob id than the one asked to extend. */
  public static final String BLOB_ID_MISMATCH = "BLOB_ID_MISMATCH";

  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(paramLabel = "BLOB", description = "A blob id, or a share token (cachet1.…) made on your network.")
  String blob;

  @Option(names = "--epochs", required = true, paramLabel = "N",
      description = "How many epochs to add to the blob's present end epoch (at least 1).")
  int epochs;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (epochs < 1) {
      throw new UsageException("--epochs must be at least 1 (the number of epochs to add)");
    }
    BlobTarget target = BlobTarget.of(blob, connection);
    BlobIndex index = new BlobIndex(connection.home.dir());
    Optional<BlobEntry> entry = index.find(target.id().toString());
    Instant now = Clock.systemUTC().instant();
    long previousEnd;
    long asked;
    long newEnd;
    NetworkReads.Certification after;
    EpochSchedule schedule;
    try (NetworkReads reads = new NetworkReads(target.config());
         BlobStore store = new WalrusBlobStore(WalrusConfig.of(target.config().publisher().toString(),
             target.config().aggregator().toString()))) {
      schedule = reads.epochs().orElseThrow(() -> new UsageException("this storage network does not publish its"
          + " epoch schedule (GET /v1/network on the aggregator), so the epochs to ask the publisher for cannot be"
          + " counted; store the file again with 'cachet put FILE --policy ID --epochs N'"));
      NetworkReads.Certification before = reads.certification(target.id());
      previousEnd = BlobWords.endEpoch(before, entry.orElse(null));
      long current = schedule.epochAt(now.toEpochMilli());
      if (previousEnd < 0) {
        throw new UsageException("the end epoch of " + target.id() + " is not known: the chain has no record of it ("
            + BlobWords.certification(before, schedule, now) + ") and the local index has no entry");
      }
      if (previousEnd <= current) {
        throw new UsageException("blob " + target.id() + " expired at epoch " + previousEnd + " (" + Plain.time(
            Plain.endOf(previousEnd, schedule), now) + "): the network may have dropped it; store the file again");
      }
      asked = previousEnd + epochs;
      long ahead = asked - current;
      if (ahead > schedule.maxEpochsAhead()) {
        throw new UsageException("the storage network keeps blobs at most " + schedule.maxEpochsAhead()
            + " epochs ahead (to epoch " + (current + schedule.maxEpochsAhead()) + "); the blob ends at epoch "
            + previousEnd + ", so --epochs may be at most " + (current + schedule.maxEpochsAhead() - previousEnd));
      }
      long known = before.isRecorded() ? before.size() : entry.map(BlobEntry::storedSize).orElse(-1L);
      StoreResult stored = restore(store, target.id(), (int) ahead, known);
      if (!stored.blobId().equals(target.id())) {
        throw new CachetSecurityException(BLOB_ID_MISMATCH, "the storage network stored the bytes the aggregator"
            + " served for " + target.id() + " under another blob id, " + stored.blobId() + ": the aggregator served"
            + " other bytes; nothing was extended");
      }
      after = reads.certification(target.id());
      newEnd = Math.max(stored.endEpoch(), after.isRecorded() ? after.endEpoch() : -1);
    }
    if (entry.isPresent() && entry.get().endEpoch() < newEnd) {
      index.record(entry.get().withEndEpoch(newEnd));
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (newEnd < asked) {
      // the epoch count is by this machine's clock; one a little ahead of the network's asks one epoch short
      err.println("cachet: warning: the storage network keeps " + target.id() + " until epoch " + newEnd
          + ", not the " + asked + " asked for; run 'cachet extend' again to add what is missing");
    }
    boolean onChain = after.isRecorded() && after.endEpoch() >= newEnd;
    if (!onChain) {
      err.println("cachet: warning: the chain's certificate record of " + target.id() + " does not show epoch "
          + newEnd + " yet (" + BlobWords.certification(after, schedule, now) + ")");
    }
    if (json) {
      ObjectNode o = Json.object();
      o.put("blobId", target.id().toString());
      o.put("previousEndEpoch", previousEnd);
      BlobWords.lifetimeJson(o, newEnd, schedule);
      BlobWords.certificationJson(o, after, schedule, now);
      Json.print(out, o);
    } else {
      out.println(Plain.lifetime(newEnd, schedule, now));
      err.println("extended " + target.id() + " from epoch " + previousEnd + " to " + newEnd
          + (onChain ? "; the chain records the new end epoch" : ""));
    }
    return ExitCodes.OK;
  }

  /**
   * Stores the blob's own bytes again for {@code ahead} epochs: the publisher reads them straight
   * from the aggregator's stream (opened again if the publisher asks for a retry).
   */
  private static StoreResult restore(BlobStore store, BlobId id, int ahead, long knownLength)
      throws IOException, CachetSecurityException {
    // the header says the envelope's exact length, which the upload announces
    long length = BlobHeaders.read(store, id, knownLength).envelopeLength();
    BlobSource source = new BlobSource() {
      @Override
      public InputStream open() throws IOException {
        return store.read(id);
      }

      @Override
      public long length() {
        return length;
      }

      @Override
      public boolean repeatable() {
        return true;
      }
    };
    return store.store(source, StoreOptions.epochs(ahead));
  }
}
