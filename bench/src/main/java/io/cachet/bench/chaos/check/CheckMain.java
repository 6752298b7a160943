package io.cachet.bench.chaos.check;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerRef;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the soak's checker alone, on what a soak left behind. Prints the report ({@link
 * CheckReport#summary()}) and exits {@link #EXIT_OK} only if no invariant was violated and each
 * invariant whose input was given checked something. With {@code --network}, refuses ({@link
 * #EXIT_USAGE}) unless an audit log is given for every key server the descriptor names.
 *
 * <pre>
 * java -cp bench.jar io.cachet.bench.chaos.check.CheckMain --ledger http://127.0.0.1:7000 \
 *     --sequencer-key K --ledger-id ID --genesis 0x… --audit-log ks-1=DIR/ks-1/data/audit.log ... \
 *     [--journal DIR/ledger/data/journal] [--txs txs.jsonl] \
 *     [--puts puts.jsonl --network cachet-network.json --readers DIR/readers [--storage-network network.json]]
 * </pre>
 */
@Command(name = "cachet-check", mixinStandardHelpOptions = true,
    description = {"Check a soak's invariants against the ledger's signed chain alone:",
        "no unauthorized release, no certified blob lost, no lost transaction."})
public final class CheckMain implements Callable<Integer> {
  /** Exit code: every invariant holds. */
  public static final int EXIT_OK = 0;
  /** Exit code: at least one violation, or an invariant whose input was given checked nothing; listed in the report. */
  public static final int EXIT_VIOLATIONS = 1;
  /** Exit code: the command line is wrong. */
  public static final int EXIT_USAGE = 2;
  /** Exit code: nothing could be checked (the chain or an input file could not be read). */
  public static final int EXIT_UNCHECKED = 3;

  @Spec CommandSpec spec;

  @Option(names = "--ledger", paramLabel = "URL", description = "The ledger's API.")
  String ledgerUrl;

  @Option(names = "--journal", paramLabel = "FILE", description = "The ledger's journal, read if the ledger cannot be.")
  Path journal;

  @Option(names = "--sequencer-key", required = true, paramLabel = "KEY", description = "The sequencer's key (base64url).")
  String sequencerKey;

  @Option(names = "--ledger-id", required = true, paramLabel = "ID", description = "The ledger's id.")
  String ledgerId;

  @Option(names = "--genesis", required = true, paramLabel = "HEX", description = "The genesis digest (0x and 64 hex digits).")
  String genesis;

  @Option(names = "--audit-log", paramLabel = "[NAME=]FILE", description = "A key server's audit log; NAME defaults"
      + " to the directory above its data directory (DIR/ks-1/data/audit.log: ks-1).")
  List<String> auditLogs = new ArrayList<>();

  @Option(names = "--puts", paramLabel = "FILE", description = "The soak's successful puts (JSON lines).")
  Path puts;

  @Option(names = "--txs", paramLabel = "FILE", description = "The soak's acknowledged transactions (JSON lines).")
  Path txs;

  @Option(names = "--network", paramLabel = "FILE", description = "The network descriptor, to read blobs (with --puts).")
  Path network;

  @Option(names = "--readers", paramLabel = "DIR", description = "The soak's reader keys (NAME.seed), to read blobs.")
  Path readers;

  @Option(names = "--storage-network", paramLabel = "FILE", description = "The storage network's file, for its"
      + " epochs; without it no blob counts as past its end epoch.")
  Path storageNetwork;

  @Option(names = "--staleness-bound", paramLabel = "DURATION", defaultValue = "PT2M", description = "The key"
      + " servers' staleness bound (ISO-8601, default ${DEFAULT-VALUE}): a release decided more than this after the"
      + " ledger moved past its height is a violation.")
  Duration stalenessBound;

  @Option(names = "--clock-tolerance", paramLabel = "DURATION", defaultValue = "PT0S", description = "How far a key"
      + " server's clock may have run ahead (the largest clock offset injected; ISO-8601, default ${DEFAULT-VALUE}).")
  Duration clockTolerance;

  @Option(names = "--json", description = "Print the report as one JSON document.")
  boolean json;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CheckMain()).setExitCodeExceptionMapper(e -> EXIT_USAGE).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ChainHistory.Trust trust;
    try {
      trust = new ChainHistory.Trust(ledgerId, VerifyingKey.parse(sequencerKey),
          LedgerRef.parseGenesisDigest(genesis, "--genesis"));
    } catch (FormatException e) {
      err.println("cachet-check: " + e.getMessage());
      return EXIT_USAGE;
    }
    if (ledgerUrl == null && journal == null) {
      err.println("cachet-check: give --ledger, --journal or both");
      return EXIT_USAGE;
    }
    if (puts != null && (network == null || readers == null)) {
      err.println("cachet-check: --puts needs --network and --readers to read the blobs back");
      return EXIT_USAGE;
    }
    Map<String, Path> logs;
    try {
      logs = auditLogMap();
    } catch (UsageProblem e) {
      err.println("cachet-check: " + e.getMessage());
      return EXIT_USAGE;
    }
    try {
      ClientConfig descriptor = network == null ? null : ClientConfig.load(network);
      String missing = descriptor == null ? null : missingAuditLogs(descriptor, logs);
      if (missing != null) {
        err.println("cachet-check: " + missing);
        return EXIT_USAGE;
      }
      Checker.Plan plan = new Checker.Plan(ledgerUrl, journal, trust, logs, List.of(), List.of(), null)
          .withStaleness(stalenessBound, clockTolerance);
      List<String> torn = new ArrayList<>();
      if (txs != null) {
        JsonLines.Read<TxRecord> read = TxRecord.readAll(txs);
        plan = plan.withTxs(read.records());
        if (read.tornLastLine()) {
          torn.add(txs.getFileName() + ": a torn last line was left out");
        }
      }
      if (puts != null) {
        JsonLines.Read<PutRecord> read = PutRecord.readAll(puts);
        Path keys = readers;
        BlobCheck blobs = new BlobCheck(descriptor, name -> ReaderKeys.load(keys, name),
            currentEpoch(), Clock.systemUTC());
        plan = plan.withPuts(read.records(), blobs);
        if (read.tornLastLine()) {
          torn.add(puts.getFileName() + ": a torn last line was left out");
        }
      }
      CheckReport report = Checker.run(plan);
      if (json) {
        ObjectNode doc = report.toJson();
        torn.forEach(((ArrayNode) doc.get("notes"))::add);
        out.println(JsonLines.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
      } else {
        out.print(report.summary());
        torn.forEach(t -> out.println("note: " + t));
      }
      out.flush();
      return report.ok() ? EXIT_OK : EXIT_VIOLATIONS;
    } catch (IOException | FormatException | IllegalArgumentException e) {
      err.println("cachet-check: nothing checked: " + e.getMessage());
      return EXIT_UNCHECKED;
    }
  }

  /** The command line names audit logs wrongly: a usage error, not "nothing checked". */
  private static final class UsageProblem extends Exception {
    private static final long serialVersionUID = 1L;

    UsageProblem(String message) {
      super(message);
    }
  }

  /**
   * Why the audit logs given do not cover the descriptor's key servers (one log named after each
   * server's id), or null if they do: a log left out would hide every release of its server.
   */
  static String missingAuditLogs(ClientConfig descriptor, Map<String, Path> logs) {
    List<String> missing = descriptor.keyServers().stream().map(ClientConfig.KeyServer::id)
        .filter(id -> !logs.containsKey(id)).toList();
    if (missing.isEmpty()) {
      return null;
    }
    return "the network has key servers " + missing + " whose audit log is not given: give one --audit-log ID=FILE"
        + " per key server of --network, or every release of theirs goes unchecked";
  }

  private Map<String, Path> auditLogMap() throws UsageProblem {
    Map<String, Path> out = new LinkedHashMap<>();
    for (String given : auditLogs) {
      int eq = given.indexOf('=');
      Path file = Path.of(eq < 0 ? given : given.substring(eq + 1));
      String name = eq < 0 ? defaultName(file) : given.substring(0, eq);
      if (out.putIfAbsent(name, file) != null) {
        throw new UsageProblem("two audit logs are named " + name + ": name them, --audit-log NAME=FILE");
      }
    }
    return out;
  }

  /** DIR/ks-1/data/audit.log is ks-1's; any other layout is named by the file's own name. */
  private static String defaultName(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("data")
        && dir.getParent() != null && dir.getParent().getFileName() != null) {
      return dir.getParent().getFileName().toString();
    }
    return file.getFileName().toString();
  }

  private LongSupplier currentEpoch() throws IOException {
    if (storageNetwork == null) {
      return () -> 0;
    }
    EpochSchedule epochs = NetworkConfig.fromJson(new JsonObject(Files.readString(storageNetwork,
        StandardCharsets.UTF_8))).epochs();
    Clock clock = Clock.systemUTC();
    return () -> epochs.epochAt(clock.millis());
  }
}
