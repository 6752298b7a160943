package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.Plain;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.storage.BlobId;
import io.cachet.storage.network.EpochSchedule;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet ls}: the blobs this state directory stored, from the local index, each one's
 * certification cross-checked against the chain's record. Needs no key; a torn index entry is
 * named on stderr and skipped.
 */
@Command(name = "ls", description = {"List the blobs you stored on this network.",
    "From the local index in HOME/blobs: name, size, policy, expiry, and certification as the chain"
        + " records it. Needs no passphrase."},
    footer = {"", "Examples:", "  cachet ls", "  cachet ls --all --json"})
public final class LsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--all", description = "Blobs stored on every network, not only this one (others are not cross-checked).")
  boolean all;

  @Option(names = "--json", description = "Print a JSON array, one object per blob.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ClientConfig config = all && !connection.hasNetworkOption() ? configIfAny() : connection.config();
    BlobIndex.Listing listing = new BlobIndex(connection.home.dir()).list();
    for (BlobIndex.Problem p : listing.problems()) {
      err.println("cachet: warning: skipped the index entry " + p.file().getFileName() + ": " + p.what()
          + " (move it away or delete it; it is not a blob on the network)");
    }
    Instant now = Clock.systemUTC().instant();
    List<String[]> rows = new ArrayList<>();
    ArrayNode array = Json.array();
    try (NetworkReads reads = config == null ? null : new NetworkReads(config)) {
      EpochSchedule schedule = reads == null ? null : reads.epochs().orElse(null);
      for (BlobEntry e : listing.entries()) {
        boolean here = config != null && e.network().equals(config.ledgerId());
        if (!here && !all) {
          continue;
        }
        NetworkReads.Certification c = here ? reads.certification(BlobId.parse(e.blobId()))
            : NetworkReads.Certification.unknown("stored on another network (" + e.network() + ")");
        EpochSchedule s = here ? schedule : null;
        long end = Math.max(BlobWords.endEpoch(c, e), e.endEpoch());
        if (json) {
          ObjectNode o = e.toJson();
          o.remove("format");
          BlobWords.lifetimeJson(o, end, s);
          BlobWords.certificationJson(o, c, s, now);
          array.add(o);
        } else {
          rows.add(new String[] {e.name() == null ? "-" : e.name(), Plain.size(e.plaintextSize()),
              BlobWords.shortId(e.policyId()), Plain.expiry(end, s, now), BlobWords.certification(c, s, now),
              e.blobId()});
        }
      }
    }
    if (json) {
      Json.print(out, array);
    } else if (rows.isEmpty()) {
      err.println(listing.entries().isEmpty() ? "no blobs stored from here yet ('cachet put FILE --policy ID')"
          : "no blobs stored from here on this network ('cachet ls --all' lists every network's)");
    } else {
      printTable(out, rows);
    }
    return ExitCodes.OK;
  }

  /** The descriptor, or null if there is none (ls --all still lists the index). */
  private ClientConfig configIfAny() throws Exception {
    try {
      return connection.config();
    } catch (UsageException e) {
      return null;
    }
  }

  private static void printTable(PrintWriter out, List<String[]> rows) {
    String[] head = {"NAME", "SIZE", "POLICY", "EXPIRES", "CERTIFICATION", "BLOB"};
    int[] width = new int[head.length];
    for (int i = 0; i < head.length; i++) {
      width[i] = head[i].length();
      for (String[] r : rows) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    printRow(out, head, width);
    rows.forEach(r -> printRow(out, r, width));
  }

  private static void printRow(PrintWriter out, String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      b.append(i == cells.length - 1 ? cells[i] : String.format("%-" + width[i] + "s  ", cells[i]));
    }
    out.println(b.toString().stripTrailing());
  }
}
