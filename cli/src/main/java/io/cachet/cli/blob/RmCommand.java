package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Ids;
import io.cachet.cli.Json;
import io.cachet.cli.OutcomeException;
import io.cachet.cli.Plain;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.storage.BlobId;
import io.cachet.storage.network.EpochSchedule;
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
 * {@code cachet rm BLOB}: forgets a blob here (its index entry) and says plainly what stays. The
 * entry is removed last, once the network's answers are in: an rm that fails keeps it. No
 * storage network Cachet speaks to deletes over HTTP: Cachet's gateway has no delete, and a Walrus
 * publisher's HTTP API has none (a deletable Walrus blob is deleted by the owner of its blob object
 * with the Sui-side {@code walrus delete}, which the publisher owns, not you). So the ciphertext
 * stays until its end epoch, unreadable without the threshold of key servers' shares. Nothing else
 * is touched: not the policy, not other entries.
 */
@Command(name = "rm", description = {"Forget a blob you stored: remove it from the local index ('cachet ls').",
    "The storage network keeps the ciphertext until it expires (no delete over its HTTP API); it"
        + " stays unreadable to anyone the policy does not allow. Needs no passphrase."},
    footer = {"", "Example:", "  cachet rm 3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc"})
public final class RmCommand implements Callable<Integer> {
  /** Reason code of an rm naming a blob the index does not hold (exit 1: nothing was done). */
  public static final String NOT_IN_INDEX = "NOT_IN_INDEX";

  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(paramLabel = "BLOB", description = "A blob id (as 'cachet ls' shows it), or a share token.")
  String blob;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String id = ShareToken.looksLikeToken(blob) ? ShareToken.decode(blob).blobId() : blob;
    BlobId blobId = Ids.blob(id);
    BlobIndex index = new BlobIndex(connection.home.dir());
    Optional<BlobEntry> entry = index.find(blobId.toString());
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (entry.isEmpty()) {
      throw notInIndex(blobId, index);
    }
    BlobEntry e = entry.get();
    Instant now = Clock.systemUTC().instant();
    EpochSchedule schedule = null;
    long end = e.endEpoch();
    boolean gateway = false;
    ClientConfig config = configIfAny();
    if (config != null && e.network().equals(config.ledgerId())) {
      try (NetworkReads reads = new NetworkReads(config)) {
        schedule = reads.epochs().orElse(null);
        gateway = schedule != null;
        end = Math.max(end, BlobWords.endEpoch(reads.certification(blobId), e));
      }
    }
    // forgotten last, after every read that can fail: a failed rm leaves the entry as it was
    if (!index.forget(blobId.toString())) {
      throw notInIndex(blobId, index);
    }
    String network = gateway ? "Cachet's storage gateway has no delete"
        : "a Walrus publisher's HTTP API has no delete";
    String unreadable = ", unreadable without " + e.threshold() + " of " + e.keyServers().size()
        + " key servers' shares";
    String stays = BlobWords.expired(end, schedule, now)
        ? "its lifetime is over (" + Plain.lifetime(end, schedule, now) + "): the network drops it" + unreadable
        : "the ciphertext stays " + Plain.lifetime(end, schedule, now).replaceFirst("^stored ", "") + unreadable;
    if (json) {
      ObjectNode o = Json.object();
      o.put("blobId", blobId.toString());
      o.put("forgotten", true);
      o.put("deleted", false);
      o.put("why", network);
      BlobWords.lifetimeJson(o, end, schedule);
      o.put("threshold", e.threshold());
      Json.print(out, o);
    } else {
      out.println("forgot " + (e.name() == null ? "" : e.name() + " ") + blobId + " here");
      err.println("not deleted from the network: " + network + "; " + stays);
    }
    return ExitCodes.OK;
  }

  private static OutcomeException notInIndex(BlobId blobId, BlobIndex index) {
    String message = "blob " + blobId + " is not in this directory's index (" + index.directory().getParent()
        .getFileName() + "/" + BlobIndex.DIRECTORY + "): nothing was forgotten or deleted";
    return new OutcomeException(NOT_IN_INDEX, message + "; see what is there with 'cachet ls --all'");
  }

  private ClientConfig configIfAny() throws Exception {
    try {
      return connection.config();
    } catch (UsageException none) {
      return null;
    }
  }
}
