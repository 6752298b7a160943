package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.Plain;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.storage.BlobStore;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet info BLOB}: what the envelope's header says (read from the aggregator, the header
 * bytes only), what the chain recorded of its certification, and the local index entry if any.
 * Needs no key.
 */
@Command(name = "info", description = {"Show a blob's header, certification and expiry.",
    "The envelope header (policy, ledger, key servers and threshold, sizes), its certification and"
        + " expiry as the chain records them, and what the local index knows (name, when and by whom it"
        + " was stored). Needs no passphrase."},
    footer = {"", "Examples:", "  cachet info 3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc", "  cachet info cachet1.eyJibG9i... --json"})
public final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(paramLabel = "BLOB", description = "A blob id, or a share token (cachet1.…) made on your network.")
  String blob;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    BlobTarget target = BlobTarget.of(blob, connection);
    Optional<BlobEntry> entry = new BlobIndex(connection.home.dir()).find(target.id().toString());
    Instant now = Clock.systemUTC().instant();
    EnvelopeHeader header;
    NetworkReads.Certification c;
    EpochSchedule schedule;
    try (NetworkReads reads = new NetworkReads(target.config());
         BlobStore store = new WalrusBlobStore(WalrusConfig.of(target.config().publisher().toString(),
             target.config().aggregator().toString()))) {
      c = reads.certification(target.id());
      schedule = reads.epochs().orElse(null);
      long known = c.isRecorded() ? c.size() : entry.map(BlobEntry::storedSize).orElse(-1L);
      header = BlobHeaders.read(store, target.id(), known);
    }
    long end = BlobWords.endEpoch(c, entry.orElse(null));
    List<String> servers = header.slots().stream().map(KeyServerSlot::keyServerId).toList();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = Json.object();
      o.put("blobId", target.id().toString());
      ObjectNode h = o.putObject("header");
      h.put("formatVersion", header.formatVersion());
      h.put("objectId", header.objectId().toString());
      h.put("ledgerId", header.ledgerId());
      h.put("policyId", header.policyId().toString());
      h.put("threshold", header.threshold());
      ArrayNode ks = h.putArray("keyServers");
      servers.forEach(ks::add);
      h.put("plaintextSize", header.plaintextLength());
      h.put("storedSize", header.envelopeLength());
      BlobWords.lifetimeJson(o, end, schedule);
      BlobWords.certificationJson(o, c, schedule, now);
      if (c.isRecorded() && schedule != null) {
        // the first epoch the certificate covers, as the plain output's "from epoch N"
        ((ObjectNode) o.get("certification")).put("fromEpoch", schedule.epochAt(c.recordedAt().toEpochMilli()));
      }
      if (entry.isPresent()) {
        ObjectNode e = entry.get().toJson();
        e.remove("format");
        o.set("index", e);
      } else {
        o.putNull("index");
      }
      Json.print(out, o);
      return ExitCodes.OK;
    }
    line(out, "blob", target.id().toString());
    entry.ifPresent(e -> line(out, "name", e.name() + " (local index)"));
    line(out, "size", Plain.size(header.plaintextLength()) + " (stored as " + Plain.size(header.envelopeLength())
        + ")");
    line(out, "policy", header.policyId() + " on ledger " + header.ledgerId());
    line(out, "key servers", String.join(", ", servers) + ": any " + header.threshold() + " of " + servers.size()
        + " release the key");
    line(out, "object", header.objectId() + " (envelope format " + header.formatVersion() + ")");
    line(out, "certified", certifiedLine(c, schedule, now));
    if (end >= 0) {
      line(out, "lifetime", Plain.lifetime(end, schedule, now));
    }
    entry.ifPresent(e -> line(out, "stored", Plain.time(e.storedAt(), now) + " by "
        + (e.identity() == null ? e.address() : e.identity())));
    if (entry.isEmpty()) {
      line(out, "index", "not in this directory's index (stored from elsewhere, or forgotten with 'cachet rm')");
    }
    return ExitCodes.OK;
  }

  /** "from epoch 3, certified until … (recorded …, 5 storage nodes signed)", or what is not known. */
  private static String certifiedLine(NetworkReads.Certification c, EpochSchedule schedule, Instant now) {
    if (!c.isRecorded()) {
      return BlobWords.certification(c, schedule, now);
    }
    String from = schedule == null ? "" : "from epoch " + schedule.epochAt(c.recordedAt().toEpochMilli()) + ", ";
    return from + BlobWords.certification(c, schedule, now) + " (recorded " + Plain.time(c.recordedAt(), now)
        + ", " + c.confirmations() + " storage nodes signed)";
  }

  private static void line(PrintWriter out, String label, String value) {
    out.println(String.format("%-12s %s", label, value));
  }
}
