package io.cachet.cli.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.OutcomeException;
import io.cachet.cli.UsageException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerRecovery;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet ledger recover}: gives a stopped sequencer back the blocks its journal lost after
 * it had served them, from followers (key servers) that hold them; see {@link LedgerRecovery}.
 * Appends nothing unless every missing block checks out up to the recorded signed height.
 */
@Command(
    name = "recover",
    description = {"Fetch the blocks a sequencer's journal lost from followers and append them.",
        "Every block is verified first, up to the height the sequencer signed. Run it with the sequencer stopped,"
            + " when it refuses to start with 'run the recovery command'."},
    footer = {"", "Exit codes: 0 the journal reaches the signed height (recovered, or",
        "nothing was missing), 1 the blocks could not be recovered (nothing", "appended), 2 usage.", "",
        "Example:", "  cachet ledger recover --data /srv/ledger --ledger main --sequencer-key KEY \\",
        "      --from http://ks-1:7400 --from http://ks-2:7400"})
final class LedgerRecoverCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "The sequencer's data directory.")
  Path data;

  @Option(names = "--ledger", required = true, paramLabel = "ID", description = "The ledger's id.")
  String ledgerId;

  @Option(names = "--sequencer-key", required = true, paramLabel = "KEY",
      description = "The sequencer's Ed25519 key (base64url, as GET /v1/head shows it).")
  String sequencerKey;

  @Option(names = "--from", required = true, paramLabel = "URL",
      description = "A follower serving GET /v1/blocks (a key server); repeat to try several in turn.")
  List<String> sources = new ArrayList<>();

  @Option(names = "--json", description = "Print JSON: the blocks appended, the journal's height before, and the signed height.")
  boolean json;

  @Override
  public Integer call() {
    VerifyingKey key;
    try {
      key = VerifyingKey.parse(sequencerKey);
    } catch (FormatException e) {
      throw new UsageException("--sequencer-key: " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    LedgerRecovery.Outcome o;
    try {
      o = LedgerRecovery.recover(data, ledgerId, key, sources.stream().map(u -> LedgerRecovery.http(u, ledgerId)).toList());
    } catch (IOException e) {
      throw new OutcomeException("NOT_RECOVERED", "recovery failed: " + e.getMessage());
    }
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("blocksAppended", o.blocksAppended());
      doc.put("journalHeightBefore", o.journalHeight());
      doc.put("signedHeight", o.signedHeight());
      Json.print(out, doc);
    } else {
      out.println(o.blocksAppended() == 0
          ? "nothing to recover: the journal ends at height " + o.journalHeight() + ", signed up to " + o.signedHeight()
          : "recovered blocks " + (o.journalHeight() + 1) + " to " + o.signedHeight() + "; the sequencer may start");
    }
    return ExitCodes.OK;
  }
}
