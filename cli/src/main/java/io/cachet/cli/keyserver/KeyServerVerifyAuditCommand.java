package io.cachet.cli.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.OutcomeException;
import io.cachet.crypto.Hex;
import io.cachet.keyserver.audit.AuditLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet keyserver verify-audit}: checks one key server's audit log (records, sequence,
 * hash chain) and names the first broken link. Read-only.
 */
@Command(
    name = "verify-audit",
    description = {"Check one key server's audit log: checksums, sequence and hash chain.",
        "Read-only; on a running server's log an append in flight may show as a torn tail (run it again)."},
    footer = {"", "Exit codes: 0 the log is intact, 1 it is broken (the first problem is",
        "printed), 2 usage, 4 it could not be read.", "",
        "Example:", "  cachet keyserver verify-audit /var/lib/cachet/ks-1/audit.log"})
final class KeyServerVerifyAuditCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "AUDIT_LOG", description = "The log: DATA_DIR/audit.log of the key server.")
  Path log;

  @Option(names = "--json", description = "Print JSON: file, ok, records, head.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    AuditLog.Verification v = AuditLog.verify(log);
    PrintWriter out = spec.commandLine().getOut();
    if (!v.ok()) {
      throw new OutcomeException("AUDIT_LOG_BROKEN", log + " is broken: " + v.problem() + "; records before it verify: "
          + v.records());
    }
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("file", log.toString());
      doc.put("ok", true);
      doc.put("records", v.records());
      doc.put("head", Hex.to0x(v.headHash()));
      Json.print(out, doc);
      return ExitCodes.OK;
    }
    out.println("ok records=" + v.records() + " head=" + Hex.to0x(v.headHash()));
    return ExitCodes.OK;
  }
}
