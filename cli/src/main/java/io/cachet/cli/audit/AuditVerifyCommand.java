package io.cachet.cli.audit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.crypto.Hex;
import io.cachet.keyserver.audit.AuditLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet audit verify}: checks each log's records and hash chain and names the first broken
 * link. Read-only, so it may run beside the key servers (an append in flight then shows as a torn
 * tail; run it again).
 */
@Command(
    name = "verify",
    description = {"Verify key-server audit logs: checksums, sequence and hash chain.",
        "Each record's checksum, the sequence and the hash chain are checked. Without FILEs, every key server's log"
            + " in the devnet is (HOME/devnet/*/audit.log)."},
    footer = {"", "Exit codes: 0 every log intact, 1 a log is broken (the first problem",
        "is printed), 2 usage (no logs found), 4 a log could not be read.", "",
        "Examples:", "  cachet audit verify", "  cachet audit verify /srv/ks-1/audit.log --json"})
final class AuditVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Parameters(paramLabel = "FILE", arity = "0..*", description = "Audit logs to check (a key server's DATA_DIR/audit.log).")
  List<Path> files = new ArrayList<>();

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    List<Path> logs = files.isEmpty() ? devnetLogs(home.dir().resolve("devnet")) : files;
    PrintWriter out = spec.commandLine().getOut();
    ObjectNode doc = Json.object();
    ArrayNode results = doc.putArray("logs");
    boolean allOk = true;
    for (Path log : logs) {
      AuditLog.Verification v = AuditLog.verify(log);
      ObjectNode r = results.addObject();
      r.put("file", log.toString());
      r.put("ok", v.ok());
      r.put("records", v.records());
      r.put("head", Hex.to0x(v.headHash()));
      if (v.ok()) {
        if (!json) {
          out.println("ok      " + log + ": " + v.records() + " records, head " + Hex.to0x(v.headHash()));
        }
      } else {
        allOk = false;
        AuditLog.Problem p = v.problem();
        ObjectNode problem = r.putObject("problem");
        problem.put("kind", p.kind().name());
        problem.put("record", p.record());
        problem.put("offset", p.offset());
        problem.put("what", p.what());
        if (!json) {
          out.println("BROKEN  " + log + ": " + p + " (the " + v.records() + " records before it verify)");
        }
      }
    }
    doc.put("ok", allOk);
    if (json) {
      Json.print(out, doc);
    }
    return allOk ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /** Deep enough for a devnet of processes: {@code processes/ks-N/data/audit.log}. */
  private static final int DEVNET_LOG_DEPTH = 4;

  private static List<Path> devnetLogs(Path devnet) throws IOException {
    List<Path> found = new ArrayList<>();
    if (Files.isDirectory(devnet)) {
      try (Stream<Path> walk = Files.walk(devnet, DEVNET_LOG_DEPTH)) {
        walk.filter(p -> p.getFileName().toString().equals("audit.log") && Files.isRegularFile(p))
            .sorted()
            .forEach(found::add);
      }
    }
    if (found.isEmpty()) {
      throw new UsageException("no audit logs under " + devnet + "; is a devnet there ('cachet devnet status')?"
          + " Or name the files: cachet audit verify DATA_DIR/audit.log");
    }
    return found;
  }
}
